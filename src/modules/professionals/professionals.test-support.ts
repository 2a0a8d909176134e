import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { SignedIn } from '../../../test/factories.ts';
import type { TestApp } from '../../../test/harness.ts';
import type { ProfessionalView, VerificationView } from './schemas.ts';

/** Files, profiles and KYC submissions for the professionals tests. */

/** Random pixels: a real PNG of the given size. */
export const png = (width = 64, height = 48) =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();

/** The smallest document file-type reads as a PDF. */
export const PDF = new TextEncoder().encode(
  '%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF',
);

export interface Upload {
  bytes: Uint8Array;
  name: string;
  type: string;
}

export const pngFile = async (name = 'id.png'): Promise<Upload> => ({
  bytes: await png(),
  name,
  type: 'image/png',
});

export const pdfFile = (name = 'license.pdf'): Upload => ({
  bytes: PDF,
  name,
  type: 'application/pdf',
});

export interface KycForm {
  idDocument?: Upload | string;
  license?: Upload | string;
  role?: string;
}

/** A multipart form; a string in a file field is sent as a plain value, not a file. */
export function formOf(fields: Record<string, Upload | string | undefined>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    form.set(
      name,
      typeof value === 'string'
        ? value
        : new File([new Uint8Array(value.bytes)], value.name, { type: value.type }),
    );
  }
  return form;
}

export function sendKyc(t: TestApp, who: SignedIn, fields: KycForm): Promise<Response> {
  return t.request('/api/v1/professionals/me/verification', {
    method: 'POST',
    headers: who.headers,
    body: formOf({ ...fields }),
  });
}

/** An ID photo and a PDF license, sent and accepted: the check is pending. */
export async function submitKyc(
  t: TestApp,
  who: SignedIn,
  fields: KycForm = {},
): Promise<VerificationView> {
  const res = await sendKyc(t, who, {
    idDocument: await pngFile(),
    license: pdfFile(),
    ...fields,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as VerificationView;
}

export function profileBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    agencyName: 'Bole Homes Realty',
    licenseNumber: 'AA-RE-2041',
    bio: 'Twelve years selling homes in Addis Ababa.',
    serviceAreas: ['Bole', 'Kazanchis'],
    languages: ['am', 'en'],
    phone: '+251911234567',
    website: 'https://bolehomes.example.com',
    ...overrides,
  };
}

export async function putProfile(
  t: TestApp,
  who: SignedIn,
  body: Record<string, unknown> = profileBody(),
): Promise<ProfessionalView> {
  const res = await t.json('PUT', '/api/v1/professionals/me', body, who.headers);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ProfessionalView;
}

/** Follows a file URL the API handed out, as a browser would. */
export async function fetchFile(t: TestApp, url: string) {
  const { pathname, search } = new URL(url);
  const res = await t.request(`${pathname}${search}`);
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}
