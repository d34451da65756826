import { describe, expect, test } from 'vitest';
import { OperatorEvent, VisitorEvent } from '../../shared/protocol';
import { DEFAULT_PRECHAT, type PrechatConfigDto } from '../../shared/prechat';
import { rows } from '../helpers/db-snapshot';
import { privacySuite } from '../helpers/privacy';
import { linkIn } from '../helpers/smtp';
import { errorCode, say, signedInOperator, unwrap } from '../helpers/sockets';
import { call, ok, signIn, type OperatorClient, type VisitorClient } from '../helpers/test-app';

// The pre-chat form and versioned consent: configured by admins, answered before the first message,
// shown to operators, reached by erasure, access export and retention; the consent register as CSV.

const { s, sockets, newVisitor, operator, mailTo, fileVerified, act, signatureFor } = privacySuite();
const DAY = 24 * 60 * 60 * 1000;

const FORM: PrechatConfigDto = {
  ...DEFAULT_PRECHAT,
  enabled: true,
  fields: [
    { key: 'name', kind: 'text', label: { en: 'Your name', ru: 'Ваше имя' }, required: true, options: [] },
    { key: 'email', kind: 'email', label: { en: 'E-mail', ru: 'Эл. почта' }, required: true, options: [] },
    { key: 'phone', kind: 'phone', label: { en: 'Phone', ru: '' }, required: false, options: [] },
    {
      key: 'topic',
      kind: 'choice',
      label: { en: 'Topic', ru: 'Тема' },
      required: true,
      options: [
        { en: 'Orders', ru: 'Заказы' },
        { en: 'Returns', ru: 'Возвраты' },
      ],
    },
    { key: 'customer', kind: 'checkbox', label: { en: 'I am a customer', ru: 'Я клиент' }, required: false, options: [] },
  ],
  consentRequired: true,
  consentText: { en: 'I agree that you process my data to answer me.', ru: 'Я согласен на обработку моих данных для ответа.' },
};

async function useForm(op: OperatorClient, form: PrechatConfigDto = FORM) {
  return ok(op, OperatorEvent.prechatSave, form);
}

const answers = { name: 'Alice A.', email: 'Alice@Example.test', phone: '+49 30 1234567', topic: 1, customer: true };

/** A visitor that said hello in `lang`, with the form the hello carried. */
async function visitorIn(lang: 'en' | 'ru') {
  const visitor = await newVisitor();
  const hello = await ok(visitor.socket, VisitorEvent.hello, { token: visitor.token, lang });
  return { ...visitor, hello };
}

const consentsOf = (visitorId: number) => rows(s.t.db, 'SELECT * FROM visitor_consents WHERE visitor_id = ?', visitorId);
const submissionOf = (visitorId: number) => rows(s.t.db, 'SELECT * FROM prechat_submissions WHERE visitor_id = ?', visitorId);

describe('the form a visitor is shown', () => {
  test('the hello carries the form in the visitor’s language, with the consent version in force; none while the form is off', async () => {
    const op = await operator();
    expect((await newVisitor().then((v) => ok(v.socket, VisitorEvent.hello, { token: v.token }))).prechat).toBeNull();
    const saved = await useForm(op);
    expect(saved.current.en).toMatchObject({ version: 1, lang: 'en', text: FORM.consentText.en, acceptances: 0 });
    expect(saved.current.ru).toMatchObject({ version: 1, lang: 'ru' });

    const en = await visitorIn('en');
    expect(en.hello.prechat).toEqual({
      mode: 'always',
      fields: [
        { key: 'name', kind: 'text', label: 'Your name', required: true, options: [] },
        { key: 'email', kind: 'email', label: 'E-mail', required: true, options: [] },
        { key: 'phone', kind: 'phone', label: 'Phone', required: false, options: [] },
        { key: 'topic', kind: 'choice', label: 'Topic', required: true, options: ['Orders', 'Returns'] },
        { key: 'customer', kind: 'checkbox', label: 'I am a customer', required: false, options: [] },
      ],
      consent: { version: 1, text: FORM.consentText.en },
    });
    const ru = await visitorIn('ru');
    // An empty RU label falls back to the EN one.
    expect(ru.hello.prechat?.fields.map((f) => f.label)).toEqual(['Ваше имя', 'Эл. почта', 'Phone', 'Тема', 'Я клиент']);
    expect(ru.hello.prechat?.fields[3].options).toEqual(['Заказы', 'Возвраты']);
    expect(ru.hello.prechat?.consent).toEqual({ version: 1, text: FORM.consentText.ru });
  });

  test('an identified visitor is not asked, and may chat at once', async () => {
    const op = await operator();
    await useForm(op);
    const visitor = await newVisitor();
    await ok(visitor.socket, VisitorEvent.identify, { email: 'known@example.test', signature: signatureFor('known@example.test') });
    expect((await ok(visitor.socket, VisitorEvent.hello, { token: visitor.token })).prechat).toBeNull();
    expect(await say(visitor.socket, 'Hello from a signed-in customer')).toBeTruthy();
  });

  test('a visitor who chatted before the form was switched on is not asked', async () => {
    const op = await operator();
    const visitor = await newVisitor();
    await say(visitor.socket, 'An early question');
    await useForm(op);
    expect((await ok(visitor.socket, VisitorEvent.hello, { token: visitor.token })).prechat).toBeNull();
    await say(visitor.socket, 'And a second one');
  });

  test('“only when nobody is online”: with an operator online the first message needs no form; without, it does', async () => {
    const op = await operator();
    await useForm(op, { ...FORM, mode: 'offline' });
    const visitor = await visitorIn('en');
    expect(visitor.hello.prechat?.mode).toBe('offline');
    expect(visitor.hello.operatorsOnline).toBe(true);
    await say(visitor.socket, 'Someone is here');

    op.close();
    const other = await newVisitor();
    await expect.poll(async () => (await ok(other.socket, VisitorEvent.hello, { token: other.token })).operatorsOnline).toBe(false);
    const refused = await call(other.socket, VisitorEvent.messageSend, { clientId: 'offline-first-1', text: 'Anyone?' });
    expect(errorCode(refused)).toBe('invalid_state');
  });
});

describe('answering the form', () => {
  test('required fields, the e-mail and phone shapes and the consent are enforced; then the visitor chats', async () => {
    const op = await operator();
    await useForm(op);
    const { socket, token, visitorId } = await visitorIn('en');

    // No message before the form.
    expect(errorCode(await call(socket, VisitorEvent.messageSend, { clientId: 'before-form-1', text: 'Hi' }))).toBe('invalid_state');

    const refuse = async (input: unknown, pattern: RegExp) => {
      const ack = await call(socket, VisitorEvent.prechatSubmit, input);
      expect(ack.ok).toBe(false);
      if (!ack.ok) expect(ack.error.message).toMatch(pattern);
    };
    await refuse({ answers: { ...answers, name: '   ' }, consentVersion: 1 }, /Your name: this field is required/);
    await refuse({ answers: { ...answers, email: 'not-an-address' }, consentVersion: 1 }, /E-mail: not an e-mail address/);
    await refuse({ answers: { ...answers, phone: 'call me' }, consentVersion: 1 }, /Phone: not a phone number/);
    await refuse({ answers: { ...answers, topic: 7 }, consentVersion: 1 }, /Topic: pick one of the options/);
    await refuse({ answers: { ...answers, shoe: 'size 9' }, consentVersion: 1 }, /no field "shoe"/);
    await refuse({ answers }, /accept the consent/);
    expect(submissionOf(visitorId)).toEqual([]);

    unwrap(await call(socket, VisitorEvent.prechatSubmit, { answers, consentVersion: 1 }));
    // A resend (a reconnect, another tab) stores nothing more.
    unwrap(await call(socket, VisitorEvent.prechatSubmit, { answers, consentVersion: 1 }));
    expect(submissionOf(visitorId)).toHaveLength(1);
    expect(consentsOf(visitorId)).toHaveLength(1);
    // The name and e-mail live where the contact name and e-mail are; the rest with the submission.
    expect(rows(s.t.db, 'SELECT name, email, email_verified FROM visitors WHERE id = ?', visitorId)).toEqual([
      { name: 'Alice A.', email: 'alice@example.test', email_verified: 0 },
    ]);
    expect(JSON.parse(submissionOf(visitorId)[0].answers as string)).toEqual([
      { key: 'phone', label: 'Phone', value: '+49 30 1234567' },
      { key: 'topic', label: 'Topic', value: 'Returns' },
      { key: 'customer', label: 'I am a customer', value: 'yes' },
    ]);

    const conversationId = await say(socket, 'Where is my refund?');
    // Answered once: the next hello carries no form.
    expect((await ok(socket, VisitorEvent.hello, { token })).prechat).toBeNull();

    // Operators see the answers and the consent on the conversation.
    const { prechat } = await ok(op, OperatorEvent.prechatVisitor, { conversationId });
    expect(prechat).toEqual({
      name: 'Alice A.',
      email: 'alice@example.test',
      answers: [
        { key: 'phone', label: 'Phone', value: '+49 30 1234567' },
        { key: 'topic', label: 'Topic', value: 'Returns' },
        { key: 'customer', label: 'I am a customer', value: 'yes' },
      ],
      submittedAt: expect.any(Number),
      consent: { version: 1, lang: 'en', acceptedAt: expect.any(Number) },
    });
    expect(errorCode(await call(op, OperatorEvent.prechatVisitor, { conversationId: 'nosuchconversation' }))).toBe('not_found');
  });

  test('changing the consent text makes a new version; the same text does not; an acceptance of an old version is refused', async () => {
    const op = await operator();
    await useForm(op);
    const { socket, token, visitorId } = await visitorIn('en');

    // Saving again with the same texts keeps version 1.
    expect((await useForm(op, { ...FORM, mode: 'offline' })).current.en?.version).toBe(1);
    s.clock.advance(60_000);
    const changed = await useForm(op, { ...FORM, consentText: { ...FORM.consentText, en: 'New words: we process your data.' } });
    expect(changed.current.en).toMatchObject({ version: 2, text: 'New words: we process your data.' });
    expect(changed.current.ru?.version).toBe(1);

    // The visitor read version 1: their acceptance no longer stands; they are told to read it again.
    expect(errorCode(await call(socket, VisitorEvent.prechatSubmit, { answers, consentVersion: 1 }))).toBe('conflict');
    expect(consentsOf(visitorId)).toEqual([]);
    expect((await ok(socket, VisitorEvent.hello, { token })).prechat?.consent).toEqual({
      version: 2,
      text: 'New words: we process your data.',
    });
    unwrap(await call(socket, VisitorEvent.prechatSubmit, { answers, consentVersion: 2 }));

    const { versions } = await ok(op, OperatorEvent.consentVersions, {});
    expect(versions.map((v) => [v.lang, v.version, v.acceptances])).toEqual([
      ['en', 2, 1],
      ['ru', 1, 0],
      ['en', 1, 0],
    ]);
    expect(versions.find((v) => v.version === 1 && v.lang === 'en')?.text).toBe(FORM.consentText.en);
  });

  test('a form the admin cannot mean is refused with a reason', async () => {
    const op = await operator();
    const refused = async (form: PrechatConfigDto, pattern: RegExp) => {
      const ack = await call(op, OperatorEvent.prechatSave, form);
      expect(ack.ok).toBe(false);
      if (!ack.ok) expect(ack.error.message).toMatch(pattern);
    };
    await refused({ ...FORM, fields: [...FORM.fields, { ...FORM.fields[0] }] }, /used twice/);
    await refused({ ...FORM, fields: [{ ...FORM.fields[3], options: [] }] }, /needs options/);
    await refused({ ...FORM, consentText: { en: '', ru: '' } }, /consent text/);
    await refused({ ...FORM, fields: [], consentRequired: false }, /empty form/);
    await refused({ ...FORM, fields: [{ ...FORM.fields[0], label: { en: '', ru: '' } }] }, /label/);
    expect(errorCode(await call(op, OperatorEvent.prechatSave, { ...FORM, fields: [{ ...FORM.fields[0], key: 'Bad Key' }] }))).toBe(
      'invalid_payload',
    );
    expect((await ok(op, OperatorEvent.prechatGet, {})).config.enabled).toBe(false);
  });
});

describe('answers and consent are personal data', () => {
  async function answered(who: { name: string; email: string }): Promise<{ socket: VisitorClient; visitorId: number }> {
    const visitor = await visitorIn('en');
    unwrap(await call(visitor.socket, VisitorEvent.prechatSubmit, { answers: { ...answers, ...who }, consentVersion: 1 }));
    await say(visitor.socket, `${who.name} writes`);
    return visitor;
  }

  test('the access export carries them; erasure deletes only the requester’s (counted); the consent text stays in the register', async () => {
    const op = await operator();
    await useForm(op);
    const alice = await answered({ name: 'Alice A.', email: 'alice@example.test' });
    const bob = await answered({ name: 'Bob B.', email: 'bob@example.test' });

    const access = await fileVerified(alice.socket, 'access', 'alice@example.test');
    await act(access.id, 'start');
    unwrap(await act(access.id, 'complete'));
    const exported = JSON.parse(await (await fetch(linkIn(await mailTo('alice@example.test', /data is ready/i)))).text()) as {
      visitors: Array<{ name: string; prechatForm: unknown; consents: unknown[] }>;
    };
    expect(exported.visitors).toHaveLength(1);
    expect(exported.visitors[0].name).toBe('Alice A.');
    expect(exported.visitors[0].prechatForm).toEqual({
      submittedAt: expect.any(String),
      answers: [
        { question: 'Phone', answer: '+49 30 1234567' },
        { question: 'Topic', answer: 'Returns' },
        { question: 'I am a customer', answer: 'yes' },
      ],
    });
    expect(exported.visitors[0].consents).toEqual([
      { version: 1, language: 'en', acceptedAt: expect.any(String), text: FORM.consentText.en },
    ]);

    const erasure = await fileVerified(alice.socket, 'erasure', 'alice@example.test');
    await act(erasure.id, 'start');
    expect((await ok(op, OperatorEvent.privacyPreview, { id: erasure.id })).preview).toMatchObject({ prechatAnswers: 1, consents: 1 });
    const done = unwrap(await act(erasure.id, 'complete')).request;
    expect(done.result).toMatchObject({ prechatAnswers: 1, consents: 1 });
    expect(consentsOf(alice.visitorId)).toEqual([]);
    expect(submissionOf(alice.visitorId)).toEqual([]);
    expect(consentsOf(bob.visitorId)).toHaveLength(1);
    expect(submissionOf(bob.visitorId)).toHaveLength(1);
    // The register still has the text, now accepted by Bob alone.
    expect((await ok(op, OperatorEvent.consentVersions, {})).versions.find((v) => v.lang === 'en')?.acceptances).toBe(1);
  });

  test('retention: a visitor gone idle past the period takes their answers and consent along', async () => {
    const op = await operator();
    await useForm(op);
    const visitor = await visitorIn('en');
    unwrap(await call(visitor.socket, VisitorEvent.prechatSubmit, { answers, consentVersion: 1 }));
    const conversationId = await say(visitor.socket, 'One question');
    await ok(op, OperatorEvent.conversationResolve, { conversationId });
    visitor.socket.close();
    s.clock.advance((s.t.config.retentionDays + 1) * DAY);
    expect(await s.t.app.services.retention.run()).toMatchObject({ conversations: 1, visitors: 1 });
    expect(submissionOf(visitor.visitorId)).toEqual([]);
    expect(consentsOf(visitor.visitorId)).toEqual([]);
    expect(rows(s.t.db, 'SELECT count(*) AS n FROM consent_versions')).toEqual([{ n: 2 }]);
  });
});

describe('the register of consent texts', () => {
  test('admins download every version as CSV; operators are refused, and so is anyone without a session', async () => {
    const op = await operator();
    await useForm(op);
    await useForm(op, { ...FORM, consentText: { en: 'Second, "quoted", text', ru: FORM.consentText.ru } });
    const admin = await signIn(s.t.url);
    const res = await fetch(`${s.t.url}/api/admin/consent-register.csv`, { headers: { cookie: admin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('version,language,created_at,acceptances,text');
    expect(lines).toHaveLength(4);
    expect(lines).toContainEqual(expect.stringMatching(/^2,en,[^,]+,0,"Second, ""quoted"", text"$/));
    expect(lines).toContainEqual(expect.stringMatching(/^1,ru,/));

    await ok(op, OperatorEvent.operatorCreate, { email: 'olga@example.test', name: 'Olga', role: 'operator', password: 'olga password 1' });
    const olga = await signIn(s.t.url, 'olga@example.test', 'olga password 1');
    expect((await fetch(`${s.t.url}/api/admin/consent-register.csv`, { headers: { cookie: olga } })).status).toBe(403);
    expect((await fetch(`${s.t.url}/api/admin/consent-register.csv`)).status).toBe(401);
    const olgaSocket = await signedInOperator(s.t.url, sockets, olga);
    expect(errorCode(await call(olgaSocket, OperatorEvent.prechatSave, FORM))).toBe('forbidden');
    expect(errorCode(await call(olgaSocket, OperatorEvent.consentVersions, {}))).toBe('forbidden');
  });
});
