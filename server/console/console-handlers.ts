import { OperatorEvent, type OperatorRpc } from '../../shared/protocol';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { createRegistrar } from '../realtime/handle';
import type { OperatorDeps, OperatorSocket } from '../realtime/operator-socket';

export type Registrar = ReturnType<typeof createRegistrar<OperatorRpc>>;
/** Who is asking: the signed-in operator, and the same when they must be an admin (each throws otherwise). */
export type Who = { me: () => Promise<OperatorRow>; admin: () => Promise<OperatorRow> };

/** Handlers of the console's team, inbox, notes, canned replies, settings and ratings events. They translate; services decide. */
export function registerConsoleHandlers(on: Registrar, socket: OperatorSocket, who: Who, deps: OperatorDeps): void {
  const { me, admin } = who;

  on(socket, OperatorEvent.conversationAssign, async (input) => ({
    conversation: await deps.inbox.assign(await me(), input.conversationId, input.operatorId),
  }));
  on(socket, OperatorEvent.conversationRead, async (input) => {
    await deps.inbox.markRead((await me()).id, input.conversationId, input.seq);
    return null;
  });
  on(socket, OperatorEvent.conversationUnread, async () => ({ unread: await deps.inbox.unread((await me()).id) }));
  on(socket, OperatorEvent.conversationSearch, async (input) => {
    await me();
    return { hits: await deps.inbox.search(input.query, input.limit) };
  });

  on(socket, OperatorEvent.noteList, async (input) => {
    await me();
    return { notes: await deps.notes.list(input.conversationId) };
  });
  on(socket, OperatorEvent.noteAdd, async (input) => ({ note: await deps.notes.add(await me(), input) }));

  on(socket, OperatorEvent.cannedList, async () => {
    await me();
    return { replies: await deps.canned.list() };
  });
  on(socket, OperatorEvent.cannedSave, async (input) => {
    await admin();
    return { reply: await deps.canned.save(input) };
  });
  on(socket, OperatorEvent.cannedDelete, async (input) => {
    await admin();
    await deps.canned.delete(input.id);
    return null;
  });

  on(socket, OperatorEvent.teamList, async () => {
    await me();
    return { team: await deps.team.list() };
  });
  on(socket, OperatorEvent.presenceSet, async (input) => {
    await deps.presence.setAway((await me()).id, input.status === 'away');
    return { team: await deps.team.list() };
  });
  on(socket, OperatorEvent.operatorCreate, async (input) => {
    await admin();
    return deps.team.create(input);
  });
  on(socket, OperatorEvent.operatorDisable, async (input) => ({
    operator: await deps.team.setDisabled(await admin(), input.id, input.disabled),
  }));
  on(socket, OperatorEvent.operatorResetPassword, async (input) => {
    await admin();
    return deps.team.resetPassword(input.id, input.password);
  });
  on(socket, OperatorEvent.passwordChange, async (input) => {
    await deps.team.changeOwnPassword(await me(), socket.data.sessionToken, input.currentPassword, input.newPassword);
    return null;
  });

  on(socket, OperatorEvent.settingsGet, async () => {
    await me();
    return { settings: deps.inbox.settings() };
  });
  on(socket, OperatorEvent.settingsSave, async (input) => {
    await admin();
    return { settings: await deps.inbox.saveSettings(input) };
  });

  on(socket, OperatorEvent.widgetSettingsGet, async () => {
    await admin();
    return { settings: deps.widget.settings(), availability: deps.widget.availability() };
  });
  on(socket, OperatorEvent.widgetSettingsSave, async (input) => {
    await admin();
    const settings = await deps.widget.save(input);
    return { settings, availability: deps.widget.availability() };
  });
  on(socket, OperatorEvent.ratingReport, async (input) => {
    await me();
    return { report: await deps.ratings.report(input) };
  });

  on(socket, OperatorEvent.attachmentLink, async (input) => deps.attachments.link({ operatorId: (await me()).id }, input.attachmentId));
  // Operators read the limits too: the composer says what may be attached before anyone tries.
  on(socket, OperatorEvent.attachmentSettingsGet, async () => {
    await me();
    return { settings: deps.attachments.settings() };
  });
  on(socket, OperatorEvent.attachmentSettingsSave, async (input) => ({
    settings: await deps.attachments.saveSettings(await admin(), input),
  }));
}
