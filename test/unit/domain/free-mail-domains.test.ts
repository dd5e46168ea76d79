import { describe, expect, it } from 'vitest';
import { companyDomainOf, isFreeMailDomain } from '../../../functions/domain/free-mail-domains.js';

describe('free-mail domains', () => {
  it('knows the big providers and their country domains', () => {
    for (const domain of ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'gmx.de', 'gmx.net', 'gmx.co.uk', 'web.de', 'hotmail.fr', 'yahoo.co.uk', 'yahoo.com.br', 'live.nl', 'mail.ru', 'qq.com', 'proton.me', 'GMAIL.COM']) {
      expect(isFreeMailDomain(domain), domain).toBe(true);
    }
  });

  it('treats company domains (even ones that start like a provider) as companies', () => {
    for (const domain of ['acme.example', 'northwind.example', 'gmx-consulting.de', 'yahoo.jobs.example', 'livenation.com', 'mailchimp.com']) {
      expect(isFreeMailDomain(domain), domain).toBe(false);
    }
    expect(companyDomainOf('Ann@Acme.Example')).toBe('acme.example');
    expect(companyDomainOf('ann@gmail.com')).toBeUndefined();
    expect(companyDomainOf(undefined)).toBeUndefined();
  });
});
