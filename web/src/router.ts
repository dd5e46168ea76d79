/**
 * A hash router (`#/sequences/x`): the console is static files, so no server needs to
 * rewrite paths (S3 and CloudFront, or the local runtime). Routes as data, one source for
 * both matching and building links.
 */
import { useEffect, useState } from 'preact/hooks';

export const PAGES = {
  sequences: '/sequences',
  sequence: '/sequences/:id',
  edit: '/sequences/:id/edit',
  import: '/sequences/:id/import',
  prospects: '/prospects',
  prospect: '/prospects/:id',
  inbox: '/inbox',
  today: '/today',
  deliveries: '/webhooks',
} as const;
export type PageName = keyof typeof PAGES;

export interface Route {
  page: PageName;
  params: Record<string, string>;
  query: URLSearchParams;
}

const COMPILED = (Object.entries(PAGES) as [PageName, string][]).map(([page, pattern]) => {
  const names: string[] = [];
  const source = pattern.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { page, names, regex: new RegExp(`^${source}$`) };
});

export function parseRoute(hash: string): Route | undefined {
  const raw = hash.replace(/^#/, '') || '/sequences';
  const [path = '', search = ''] = raw.split('?', 2);
  for (const { page, names, regex } of COMPILED) {
    const match = regex.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    names.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1] ?? '');
    });
    return { page, params, query: new URLSearchParams(search) };
  }
  return undefined;
}

/** `href('prospect', {id})` → `#/prospects/p_1`; query values that are empty are left out. */
export function href(page: PageName, params: Record<string, string> = {}, query: Record<string, string | undefined> = {}): string {
  const path = PAGES[page].replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const search = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1]))).toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

export function navigate(to: string): void {
  location.hash = to.replace(/^#/, '');
}

export function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}
