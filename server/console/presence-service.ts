import type { Presence, TeamMemberDto } from '../../shared/types';
import type { OperatorRepository, OperatorRow } from '../db/repositories/operator-repository';
import type { EventBus } from '../platform/events';

import type { Writer } from '../writer/group-commit';
import type { ConsoleWrites } from './console-writes';
/**
 * Who is online: an operator with at least one live console connection is `online`, or `away` when they
 * said so; without a connection they are `offline`. The visitor widget's offline mode follows
 * `anyOnline()`: an away operator does not count.
 */
export class PresenceService {
  private readonly connections = new Map<number, number>();

  constructor(
    private readonly operators: OperatorRepository,
    private readonly writer: Writer<ConsoleWrites>,
    private readonly bus: EventBus,
  ) {}

  connected(operatorId: number): void {
    const n = (this.connections.get(operatorId) ?? 0) + 1;
    this.connections.set(operatorId, n);
    if (n === 1) this.changed();
  }

  disconnected(operatorId: number): void {
    const n = (this.connections.get(operatorId) ?? 0) - 1;
    if (n > 0) return void this.connections.set(operatorId, n);
    this.connections.delete(operatorId);
    this.changed();
  }

  async setAway(operatorId: number, away: boolean): Promise<void> {
    await this.writer.run('operatorSetAway', { id: operatorId, away });
    this.changed();
  }

  presenceOf(row: OperatorRow): Presence {
    if (row.disabled || !this.connections.has(row.id)) return 'offline';
    return row.away ? 'away' : 'online';
  }

  team(): TeamMemberDto[] {
    return this.operators.list().map((row) => ({
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      disabled: row.disabled,
      presence: this.presenceOf(row),
    }));
  }

  /** Ids of operators who are online (connected, enabled, not away), in id order. */
  onlineIds(): number[] {
    const ids: number[] = [];
    for (const id of [...this.connections.keys()].sort((a, b) => a - b)) {
      const row = this.operators.findById(id);
      if (row && this.presenceOf(row) === 'online') ids.push(id);
    }
    return ids;
  }

  /** Asked on every visitor's hello: stops at the first operator online instead of looking up every one. */
  anyOnline(): boolean {
    for (const id of this.connections.keys()) {
      const row = this.operators.findById(id);
      if (row && this.presenceOf(row) === 'online') return true;
    }
    return false;
  }

  /** Tell listeners the team changed (presence, accounts). */
  changed(): void {
    this.bus.emit('team:changed', {});
  }
}
