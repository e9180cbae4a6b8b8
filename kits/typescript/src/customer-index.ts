/** {@link CustomerIndex}: finds your own record for a Plain customer. */
import type { Customer } from "./context.js";

/**
 * Your records, findable by the Plain customer's external id first and then by email
 * (case-insensitive, trimmed), which is how a card service usually matches Plain's customer
 * to its own data. Plain may send no email at all, so the external id comes first.
 */
export class CustomerIndex<T> {
  private readonly records: T[] = [];
  private readonly byExternalId = new Map<string, number>();
  private readonly byEmail = new Map<string, number>();

  /**
   * Adds `record`, findable by `externalId` (exact) and/or `email`. Empty strings count as
   * absent. Throws when both are absent or either already belongs to an earlier record;
   * messages name the external id, never the email.
   */
  insert(externalId: string | null | undefined, email: string | null | undefined, record: T): void {
    const id = externalId?.trim() || undefined;
    const mail = email?.trim().toLowerCase() || undefined;
    if (id === undefined && mail === undefined) throw new Error("a record needs an external id or an email");
    if (id !== undefined && this.byExternalId.has(id)) {
      throw new Error(`external id ${JSON.stringify(id)} already belongs to record ${String(this.byExternalId.get(id))}`);
    }
    if (mail !== undefined && this.byEmail.has(mail)) {
      throw new Error(`the email already belongs to record ${String(this.byEmail.get(mail))}`);
    }
    const position = this.records.length;
    if (id !== undefined) this.byExternalId.set(id, position);
    if (mail !== undefined) this.byEmail.set(mail, position);
    this.records.push(record);
  }

  /** The record for `customer`: by external id when it has a known one, otherwise by email. */
  find(customer: Customer): T | undefined {
    const id = customer.externalId?.trim();
    let position = id === undefined ? undefined : this.byExternalId.get(id);
    if (position === undefined && customer.email !== undefined) position = this.byEmail.get(customer.email.trim().toLowerCase());
    return position === undefined ? undefined : this.records[position];
  }

  /** The number of records. */
  get size(): number {
    return this.records.length;
  }
}
