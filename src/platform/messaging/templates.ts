import { z } from 'zod';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * Markup made by the `html` tag. Not exported as a value, so the tag is the only way to make
 * one: a template cannot hand back a parameter unescaped by mistake.
 */
class SafeHtml {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

export type { SafeHtml };

export type HtmlValue = string | number | SafeHtml | readonly HtmlValue[];

function toMarkup(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(toMarkup).join('');
  return escapeHtml(String(value));
}

/** Tags HTML: every interpolated value is escaped, except markup another `html` made. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  values.forEach((value, i) => {
    markup += toMarkup(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(markup);
}

export interface TemplateParts<P> {
  subject?: (params: P) => string;
  text: (params: P) => string;
  html?: (params: P) => SafeHtml;
}

export type Template<
  S extends z.ZodType = z.ZodType,
  Parts extends TemplateParts<z.output<S>> = TemplateParts<z.output<S>>,
> = Readonly<{ name: string; params: S } & Parts>;

/** A template that can be mailed: it has a subject. */
export type MailTemplate<S extends z.ZodType = z.ZodType> = Template<
  S,
  TemplateParts<z.output<S>> & { subject: (params: z.output<S>) => string }
>;

export interface Rendered<Parts = TemplateParts<never>> {
  subject: Parts extends { subject: (params: never) => string } ? string : string | undefined;
  text: string;
  html: Parts extends { html: (params: never) => SafeHtml } ? string : string | undefined;
}

const names = new Set<string>();

/**
 * Names are unique across the process, so the name an error gives points at one template and
 * a second module cannot quietly shadow another's.
 */
export function defineTemplate<S extends z.ZodType, Parts extends TemplateParts<z.output<S>>>(
  name: string,
  definition: { params: S } & Parts,
): Template<S, Parts> {
  if (names.has(name)) throw new Error(`A template named "${name}" is already defined`);
  names.add(name);
  return { ...definition, name };
}

/** Validates `params` against the template's schema, then renders each part it has. */
export function render<S extends z.ZodType, Parts extends TemplateParts<z.output<S>>>(
  template: Template<S, Parts>,
  params: z.input<S>,
): Rendered<Parts> {
  const parsed = template.params.safeParse(params);
  if (!parsed.success) {
    throw new Error(
      `Invalid params for template "${template.name}": ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  const { subject, text, html: markup } = template;
  return {
    subject: subject?.(parsed.data),
    text: text(parsed.data),
    html: markup?.(parsed.data).toString(),
  } as Rendered<Parts>;
}

const minutes = (n: number) => (n === 1 ? '1 minute' : `${n} minutes`);

const IGNORE_IT = 'If you did not ask for it, you can ignore this email.';

const VerificationCodeParams = z.object({
  code: z.string().regex(/^\d{4,10}$/, 'expected 4 to 10 digits'),
  expiresInMinutes: z.number().int().positive(),
});

type VerificationCode = z.output<typeof VerificationCodeParams>;

const codeSentence = ({ code, expiresInMinutes }: VerificationCode) =>
  `Your Mercato code is ${code}. It expires in ${minutes(expiresInMinutes)}.`;

/** A one-time code sent to confirm an email address or to sign in. */
export const verificationCodeEmail = defineTemplate('verification-code.email', {
  params: VerificationCodeParams,
  subject: ({ code }) => `Your Mercato code is ${code}`,
  text: (p) => `${codeSentence(p)}\n\n${IGNORE_IT}\n`,
  html: (p) =>
    html`<p>Your Mercato code is <strong>${p.code}</strong>.</p>
<p>It expires in ${minutes(p.expiresInMinutes)}.</p>
<p>${IGNORE_IT}</p>`,
});

/** The same code by SMS: one short line, so it fits a single message. */
export const verificationCodeSms = defineTemplate('verification-code.sms', {
  params: VerificationCodeParams,
  text: codeSentence,
});

/** A sign-in link; only http(s), so a `javascript:` URL never reaches an href. */
export const magicLinkEmail = defineTemplate('magic-link.email', {
  params: z.object({
    url: z.url({ protocol: /^https?$/ }),
    expiresInMinutes: z.number().int().positive(),
  }),
  subject: () => 'Your Mercato sign-in link',
  text: ({ url, expiresInMinutes }) =>
    `Sign in to Mercato with this link:\n${url}\n\nIt expires in ${minutes(expiresInMinutes)}. ${IGNORE_IT}\n`,
  html: ({ url, expiresInMinutes }) =>
    html`<p><a href="${url}">Sign in to Mercato</a></p>
<p>The link expires in ${minutes(expiresInMinutes)}. ${IGNORE_IT}</p>`,
});
