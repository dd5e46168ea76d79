import { useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { ErrorMessage } from './messages.js';

/**
 * Downloads an export with the user's token (a plain link could not send it). A large
 * export comes in parts (`X-Next-Cursor`): they are fetched in turn and joined, the
 * header row kept once.
 */
export function DownloadLink({ path, query, filename, label }: { path: string; query: Record<string, string>; filename: string; label: string }) {
  const { api } = useApp();
  const [state, setState] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const download = async () => {
    setState({ busy: true });
    try {
      const parts: string[] = [];
      let cursor: string | undefined;
      do {
        const { text, headers } = await api<{ text: string; headers: Headers }>('GET', path, { query: { ...query, cursor }, raw: true });
        parts.push(parts.length === 0 ? text : text.replace(/^[^\r\n]*(\r\n|\n|\r)/, ''));
        cursor = headers.get('x-next-cursor') ?? undefined;
      } while (cursor);
      saveFile(filename, parts.join(''), 'text/csv');
      setState({ busy: false });
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return (
    <>
      <button type="button" class="link" disabled={state.busy} onClick={() => void download()}>
        {state.busy ? 'Preparing the download…' : label}
      </button>
      {state.error ? <ErrorMessage error={state.error} /> : null}
    </>
  );
}

export function saveFile(filename: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: `${type};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

