/**
 * Email domains anyone can get a mailbox at, in ONE place: an address there says nothing
 * about the company a person works for, so `stopOnReplyFrom: account` never treats two
 * people at gmail.com as colleagues (README "Enrollment rules"). Pure.
 *
 * Why our own list and not an npm package: the well-known `free-email-domains` refreshes its
 * list from the network in a postinstall script, so an offline `npm ci` fails and the data
 * is not the pinned version's; the others ship megabytes of disposable domains or read files
 * at run time. A few hundred bytes of the providers people actually use does the job; a
 * missing provider only means its users are treated as one company (their colleagues'
 * enrollments in such a sequence stop on a reply): add it here.
 */

/** Exact domains (lower-case, ASCII / `xn--` form as addresses are stored). */
const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  // Google, Microsoft, Apple, Yahoo/AOL/Verizon
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'passport.com',
  'icloud.com', 'me.com', 'mac.com', 'yahoo.com', 'ymail.com', 'rocketmail.com', 'aol.com', 'aim.com', 'verizon.net',
  // Privacy and independent providers
  'proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me', 'tutanota.com', 'tutanota.de', 'tuta.io', 'tuta.com',
  'fastmail.com', 'fastmail.fm', 'hey.com', 'zoho.com', 'zohomail.com', 'mail.com', 'email.com', 'inbox.com',
  'hushmail.com', 'posteo.de', 'posteo.net', 'mailbox.org', 'runbox.com', 'disroot.org', 'riseup.net',
  // German-speaking countries
  'web.de', 'gmx.de', 't-online.de', 'freenet.de', 'arcor.de', 'online.de', 'email.de', 'bluewin.ch', 'gmx.ch', 'gmx.at', 'a1.net', 'chello.at',
  // France, Benelux, Southern Europe
  'orange.fr', 'wanadoo.fr', 'free.fr', 'sfr.fr', 'laposte.net', 'neuf.fr', 'bbox.fr', 'skynet.be', 'telenet.be', 'ziggo.nl', 'kpnmail.nl', 'home.nl', 'planet.nl',
  'libero.it', 'virgilio.it', 'tiscali.it', 'alice.it', 'tin.it', 'fastwebnet.it', 'terra.com', 'telefonica.net', 'sapo.pt',
  // UK, Ireland, Nordics
  'btinternet.com', 'sky.com', 'virginmedia.com', 'ntlworld.com', 'talktalk.net', 'blueyonder.co.uk', 'eircom.net',
  'telia.com', 'online.no', 'telenet.dk', 'mail.dk', 'suomi24.fi',
  // Central and Eastern Europe, Russia
  'seznam.cz', 'centrum.cz', 'email.cz', 'wp.pl', 'o2.pl', 'interia.pl', 'onet.pl', 'op.pl', 'gazeta.pl', 'tlen.pl',
  'mail.ru', 'bk.ru', 'inbox.ru', 'list.ru', 'rambler.ru', 'ukr.net', 'abv.bg', 'freemail.hu', 'citromail.hu',
  // Asia, Middle East, Latin America, Oceania
  'qq.com', '163.com', '126.com', 'yeah.net', 'sina.com', 'sohu.com', 'aliyun.com', 'naver.com', 'daum.net', 'hanmail.net', 'kakao.com',
  'rediffmail.com', 'yahoo.co.in', 'nifty.com', 'docomo.ne.jp', 'ezweb.ne.jp', 'softbank.ne.jp', 'i.softbank.jp',
  'uol.com.br', 'bol.com.br', 'ig.com.br', 'terra.com.br', 'bigpond.com', 'bigpond.net.au', 'optusnet.com.au', 'xtra.co.nz',
]);

/** Providers with a domain per country (`gmx.net`, `yahoo.co.uk`, `hotmail.fr`…): the first label decides. */
const FREE_MAIL_FAMILIES: ReadonlySet<string> = new Set([
  'gmx', 'yahoo', 'ymail', 'hotmail', 'outlook', 'live', 'windowslive', 'msn', 'aol', 'yandex', 'ya', 'gmail', 'googlemail', 'icloud', 'protonmail', 'zoho',
]);

/** `co.uk`, `com.br`, `de`, `net`: what may follow a family's first label (one or two labels of at most 3 letters). */
const COUNTRY_OR_GENERIC = /^([a-z]{2,3})(\.[a-z]{2,3})?$/;

export function isFreeMailDomain(domain: string): boolean {
  const name = domain.trim().toLowerCase().replace(/\.$/, '');
  if (FREE_MAIL_DOMAINS.has(name)) return true;
  const dot = name.indexOf('.');
  return dot > 0 && FREE_MAIL_FAMILIES.has(name.slice(0, dot)) && COUNTRY_OR_GENERIC.test(name.slice(dot + 1));
}

/** The company domain of an email address, or undefined for a free-mail (or malformed) address. */
export function companyDomainOf(email: string | undefined): string | undefined {
  if (!email) return undefined;
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  const domain = email.slice(at + 1).trim().toLowerCase();
  return domain.includes('.') && !isFreeMailDomain(domain) ? domain : undefined;
}
