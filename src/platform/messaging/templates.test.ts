import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineTemplate,
  html,
  magicLinkEmail,
  render,
  verificationCodeEmail,
  verificationCodeSms,
} from './templates.ts';

const greeting = defineTemplate('test.greeting', {
  params: z.object({ name: z.string(), items: z.array(z.string()) }),
  subject: ({ name }) => `Hello ${name}`,
  text: ({ name }) => `Hello ${name}`,
  html: ({ name, items }) =>
    html`<p>Hello <b>${name}</b></p><ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`,
});

describe('render', () => {
  it('renders the verification code for email and for SMS', () => {
    const params = { code: '123456', expiresInMinutes: 10 };
    expect(render(verificationCodeSms, params)).toEqual({
      subject: undefined,
      text: 'Your Mercato code is 123456. It expires in 10 minutes.',
      html: undefined,
    });
    const email = render(verificationCodeEmail, params);
    expect(email.subject).toBe('Your Mercato code is 123456');
    expect(email.text).toMatch(/^Your Mercato code is 123456\. It expires in 10 minutes\.\n/);
    expect(email.html).toContain('<strong>123456</strong>');
    expect(render(verificationCodeSms, { code: '9876', expiresInMinutes: 1 }).text).toBe(
      'Your Mercato code is 9876. It expires in 1 minute.',
    );
  });

  it('renders the magic link, with the URL escaped in the href', () => {
    const url = 'https://mercato.example/auth/magic?token=a1&redirect=%2Fhome';
    const mail = render(magicLinkEmail, { url, expiresInMinutes: 15 });
    expect(mail.subject).toBe('Your Mercato sign-in link');
    expect(mail.text).toContain(`\n${url}\n`);
    expect(mail.text).toContain('It expires in 15 minutes.');
    expect(mail.html).toContain(
      '<a href="https://mercato.example/auth/magic?token=a1&amp;redirect=%2Fhome">',
    );
  });

  it('escapes every parameter in HTML, and only in HTML', () => {
    const name = `<script>alert("x")</script> & 'co'`;
    const mail = render(greeting, { name, items: ['<i>a</i>', 'b & c'] });
    expect(mail.text).toBe(`Hello ${name}`);
    expect(mail.subject).toBe(`Hello ${name}`);
    expect(mail.html).toBe(
      '<p>Hello <b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</b></p>' +
        '<ul><li>&lt;i&gt;a&lt;/i&gt;</li><li>b &amp; c</li></ul>',
    );
  });

  it('refuses params that do not match the template, naming it and the field', () => {
    expect(() => render(verificationCodeSms, { code: '12ab', expiresInMinutes: 10 })).toThrow(
      /template "verification-code\.sms".*\n.*→ at code/s,
    );
    expect(() =>
      render(magicLinkEmail, { url: 'javascript:alert(1)', expiresInMinutes: 15 }),
    ).toThrow(/magic-link\.email/);
  });
});

describe('defineTemplate', () => {
  it('refuses a second template with a name already taken', () => {
    expect(() =>
      defineTemplate('verification-code.sms', { params: z.object({}), text: () => 'x' }),
    ).toThrow('A template named "verification-code.sms" is already defined');
  });
});
