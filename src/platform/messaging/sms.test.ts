import { afterEach, describe, expect, it } from 'vitest';
import { type FakeAfricasTalking, startFakeAfricasTalking } from './fakes.test-support.ts';
import { createAfricasTalkingSms } from './sms.ts';

const API_KEY = 'atsk_test_0123456789abcdef';
const TEXT = 'Your Mercato code is 123456. It expires in 10 minutes.';

let at: FakeAfricasTalking | undefined;
afterEach(async () => {
  await at?.close();
  at = undefined;
});

describe('createAfricasTalkingSms', () => {
  it('posts the documented form with the apiKey header and returns the message id', async () => {
    at = await startFakeAfricasTalking({ apiKey: API_KEY });
    const sms = createAfricasTalkingSms({
      username: 'mercato',
      apiKey: API_KEY,
      from: 'MERCATO',
      baseUrl: `${at.baseUrl}/`,
    });
    expect(await sms.send({ to: '+251911234567', text: TEXT })).toEqual({ id: 'ATXid_1_0' });

    expect(at.requests).toHaveLength(1);
    const [request] = at.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/version1/messaging');
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      username: 'mercato',
      to: '+251911234567',
      message: TEXT,
      from: 'MERCATO',
    });
  });

  it('leaves `from` out when none is configured', async () => {
    at = await startFakeAfricasTalking({ apiKey: API_KEY });
    const sms = createAfricasTalkingSms({
      username: 'sandbox',
      apiKey: API_KEY,
      baseUrl: at.baseUrl,
    });
    await sms.send({ to: '+254711000111', text: 'Hi' });
    expect(at.requests[0]?.form.has('from')).toBe(false);
  });

  it('throws, naming the status, when the recipient is refused', async () => {
    at = await startFakeAfricasTalking({ apiKey: API_KEY, status: () => 'InvalidPhoneNumber' });
    const sms = createAfricasTalkingSms({
      username: 'mercato',
      apiKey: API_KEY,
      baseUrl: at.baseUrl,
    });
    await expect(sms.send({ to: '+251911234567', text: TEXT })).rejects.toThrow(
      "Africa's Talking refused the SMS: InvalidPhoneNumber (status code 403)",
    );
    expect(at.requests).toHaveLength(1);
  });

  it('throws on an HTTP error such as a wrong API key', async () => {
    at = await startFakeAfricasTalking({ apiKey: API_KEY });
    const sms = createAfricasTalkingSms({
      username: 'mercato',
      apiKey: 'atsk_wrong',
      baseUrl: at.baseUrl,
    });
    await expect(sms.send({ to: '+251911234567', text: TEXT })).rejects.toThrow(
      "Africa's Talking answered HTTP 401: The supplied authentication is invalid",
    );
    expect(at.requests[0]?.headers.apikey).toBe('atsk_wrong');
  });

  it('refuses a number that is not E.164 without calling the API', async () => {
    at = await startFakeAfricasTalking({ apiKey: API_KEY });
    const sms = createAfricasTalkingSms({
      username: 'mercato',
      apiKey: API_KEY,
      baseUrl: at.baseUrl,
    });
    for (const to of [
      '0911234567',
      '251911234567',
      '+0911234567',
      '+25191',
      '+2519112345678901',
      '+251 911 234 567',
    ]) {
      await expect(sms.send({ to, text: TEXT })).rejects.toMatchObject({
        code: 'invalid-phone-number',
      });
    }
    expect(at.requests).toEqual([]);
  });
});
