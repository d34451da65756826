import { OperatorEvent, type OperatorRpc } from '../../shared/protocol';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { createRegistrar } from '../realtime/handle';
import type { OperatorDeps, OperatorSocket } from '../realtime/operator-socket';

export type Registrar = ReturnType<typeof createRegistrar<OperatorRpc>>;
/** Who is asking: the signed-in operator, and the same when they must be an admin (each throws otherwise). */
export type Who = { me: () => OperatorRow; admin: () => OperatorRow };

/** Handlers of the console's team, inbox, notes, canned replies, settings and ratings events. They translate; services decide. */
export function registerConsoleHandlers(on: Registrar, socket: OperatorSocket, who: Who, deps: OperatorDeps): void {
  const { me, admin } = who;

  on(socket, OperatorEvent.conversationAssign, async (input) => ({
    conversation: await deps.inbox.assign(me(), input.conversationId, input.operatorId),
  }));
  on(socket, OperatorEvent.conversationRead, async (input) => {
    await deps.inbox.markRead(me().id, input.conversationId, input.seq);
    return null;
  });
  on(socket, OperatorEvent.conversationUnread, () => ({ unread: deps.inbox.unread(me().id) }));
  on(socket, OperatorEvent.conversationSearch, async (input) => {
    me();
    return { hits: await deps.inbox.search(input.query, input.limit) };
  });

  on(socket, OperatorEvent.noteList, (input) => {
    me();
    return { notes: deps.notes.list(input.conversationId) };
  });
  on(socket, OperatorEvent.noteAdd, async (input) => ({ note: await deps.notes.add(me(), input) }));

  on(socket, OperatorEvent.cannedList, () => {
    me();
    return { replies: deps.canned.list() };
  });
  on(socket, OperatorEvent.cannedSave, async (input) => {
    admin();
    return { reply: await deps.canned.save(input) };
  });
  on(socket, OperatorEvent.cannedDelete, async (input) => {
    admin();
    await deps.canned.delete(input.id);
    return null;
  });

  on(socket, OperatorEvent.teamList, () => {
    me();
    return { team: deps.team.list() };
  });
  on(socket, OperatorEvent.presenceSet, async (input) => {
    await deps.presence.setAway(me().id, input.status === 'away');
    return { team: deps.team.list() };
  });
  on(socket, OperatorEvent.operatorCreate, async (input) => {
    admin();
    return deps.team.create(input);
  });
  on(socket, OperatorEvent.operatorDisable, async (input) => ({
    operator: await deps.team.setDisabled(admin(), input.id, input.disabled),
  }));
  on(socket, OperatorEvent.operatorResetPassword, async (input) => {
    admin();
    return deps.team.resetPassword(input.id, input.password);
  });
  on(socket, OperatorEvent.passwordChange, async (input) => {
    await deps.team.changeOwnPassword(me(), socket.data.sessionToken, input.currentPassword, input.newPassword);
    return null;
  });

  on(socket, OperatorEvent.settingsGet, () => {
    me();
    return { settings: deps.inbox.settings() };
  });
  on(socket, OperatorEvent.settingsSave, async (input) => {
    admin();
    return { settings: await deps.inbox.saveSettings(input) };
  });

  on(socket, OperatorEvent.widgetSettingsGet, () => {
    admin();
    return { settings: deps.widget.settings(), availability: deps.widget.availability() };
  });
  on(socket, OperatorEvent.widgetSettingsSave, async (input) => {
    admin();
    const settings = await deps.widget.save(input);
    return { settings, availability: deps.widget.availability() };
  });
  on(socket, OperatorEvent.ratingReport, (input) => {
    me();
    return { report: deps.ratings.report(input) };
  });

  on(socket, OperatorEvent.attachmentLink, (input) => deps.attachments.link({ operatorId: me().id }, input.attachmentId));
  // Operators read the limits too: the composer says what may be attached before anyone tries.
  on(socket, OperatorEvent.attachmentSettingsGet, () => {
    me();
    return { settings: deps.attachments.settings() };
  });
  on(socket, OperatorEvent.attachmentSettingsSave, async (input) => ({ settings: await deps.attachments.saveSettings(admin(), input) }));
}
