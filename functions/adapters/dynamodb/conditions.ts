/**
 * Condition and update expressions built from named parts (in the manner of Powertools'
 * persistence layer): `and(exists(), enrollmentIs({ status, run, stepIndex }))` reads as
 * the rule it enforces, and no caller numbers its own `:from0` placeholders.
 *
 * A part is a function of one `Placeholders` per request, which hands out `#n<i>` for
 * attribute names (one per distinct name, so `#status` appears once however often it is
 * compared) and `:v<i>` for values. The update expression and the condition of one
 * request share it, so their placeholders never collide.
 */
import { ENDED_STATUSES, type EnrollmentStatus } from '../../domain/records.js';
import { clean } from './items.js';
import { TOUCHES_ATTRIBUTE, touchFieldPath, type StoredTouchField } from './enrollment-storage.js';

/** An attribute, or a path into maps: `['touches', stepId, 'status']`. */
export type Path = string | readonly string[];

export class Placeholders {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly byName = new Map<string, string>();
  private valueCount = 0;

  /** `#n0.#n1` for `['touches', 'intro']`. */
  name(path: Path): string {
    const segments = typeof path === 'string' ? [path] : path;
    return segments
      .map((segment) => {
        let placeholder = this.byName.get(segment);
        if (!placeholder) {
          placeholder = `#n${this.byName.size}`;
          this.byName.set(segment, placeholder);
          this.names[placeholder] = segment;
        }
        return placeholder;
      })
      .join('.');
  }

  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = clean(value);
    return placeholder;
  }
}

export type Condition = (p: Placeholders) => string;

// ----- Generic parts --------------------------------------------------------------------

/** The item exists (every item has `pk`). */
export const exists = (): Condition => (p) => `attribute_exists(${p.name('pk')})`;
export const absent = (path: Path = 'pk'): Condition => (p) => `attribute_not_exists(${p.name(path)})`;
export const equals = (path: Path, value: unknown): Condition => (p) => `${p.name(path)} = ${p.value(value)}`;
export const differs = (path: Path, value: unknown): Condition => (p) => `${p.name(path)} <> ${p.value(value)}`;
export const lessThan = (path: Path, value: unknown): Condition => (p) => `${p.name(path)} < ${p.value(value)}`;
export const oneOf = (path: Path, values: readonly unknown[]): Condition => {
  if (values.length === 0) throw new RangeError('oneOf needs at least one value');
  return (p) => `${p.name(path)} IN (${values.map((value) => p.value(value)).join(', ')})`;
};
export const sizeLessThan = (path: Path, size: number): Condition => (p) => `size(${p.name(path)}) < ${p.value(size)}`;
export const contains = (path: Path, value: unknown): Condition => (p) => `contains(${p.name(path)}, ${p.value(value)})`;
export const not = (part: Condition): Condition => (p) => `NOT (${part(p)})`;
export const and = (...parts: Condition[]): Condition => (p) => parts.map((part) => `(${part(p)})`).join(' AND ');
export const or = (...parts: Condition[]): Condition => (p) => parts.map((part) => `(${part(p)})`).join(' OR ');

// ----- The rules of this table ----------------------------------------------------------

/** The enrollment is in exactly the state the caller read (status, run and step). */
export const enrollmentIs = (expected: { status: EnrollmentStatus; run: number; stepIndex: number }): Condition =>
  and(exists(), equals('status', expected.status), equals('run', expected.run), equals('stepIndex', expected.stepIndex));

/** The enrollment's run `run` has ended (so a new run may replace it). */
export const runEnded = (run: number): Condition => and(exists(), equals('run', run), oneOf('status', ENDED_STATUSES));

/**
 * Nobody holds a live claim on this run and step: no claim, an expired one (its worker
 * died), or one left over from another run or step.
 */
export const noLiveClaim = (touch: { run: number; stepIndex: number }, now: Date): Condition =>
  or(
    absent('claim'),
    lessThan(['claim', 'leaseUntilMs'], now.getTime()),
    differs(['claim', 'run'], touch.run),
    differs(['claim', 'stepIndex'], touch.stepIndex),
  );

/** The claim on the item is exactly this one (a newer claim by another delivery is not ours). */
export const claimIs = (claim: { run: number; stepIndex: number; leaseUntilMs: number }): Condition =>
  and(
    equals(['claim', 'run'], claim.run),
    equals(['claim', 'stepIndex'], claim.stepIndex),
    equals(['claim', 'leaseUntilMs'], claim.leaseUntilMs),
  );

/**
 * A field of the touch record of `stepId` passes `test`: under its short name when the
 * record has it, else under its long name (a record written before enrollment-storage.ts). A
 * record with both reads as its short one, so a status a newer write set is never judged
 * by the older one left beside it.
 */
const touchField = (stepId: string, field: StoredTouchField, test: (path: Path) => Condition): Condition => {
  const short = touchFieldPath(stepId, field);
  return or(test(short), and(absent(short), test([TOUCHES_ATTRIBUTE, stepId, field])));
};

/** The touch of `stepId` is the message `providerMessageId`, in one of `statuses`. */
export const touchIs = (stepId: string, providerMessageId: string, statuses: readonly string[]): Condition =>
  and(
    exists(),
    touchField(stepId, 'providerMessageId', (path) => equals(path, providerMessageId)),
    touchField(stepId, 'status', (path) => oneOf(path, statuses)),
  );

/** The version is newer than the one stored (or nothing is stored): pointers never move back. */
export const olderVersionOrAbsent = (version: number): Condition => or(absent(), lessThan('version', version));

// ----- Updates --------------------------------------------------------------------------

/** `SET a = :v, REMOVE b, ADD c :n`, with placeholders from the request's `Placeholders`. */
export class Update {
  private readonly sets: [Path, unknown][] = [];
  private readonly removes: Path[] = [];
  private readonly adds: [Path, number][] = [];
  private readonly appends: [Path, unknown[]][] = [];

  set(path: Path, value: unknown): this {
    this.sets.push([path, value]);
    return this;
  }

  /** `SET a = list_append(a, :v)`: the list at `path` must exist. */
  append(path: Path, values: unknown[]): this {
    this.appends.push([path, values]);
    return this;
  }

  /** Sets the attribute when `value` is defined, removes it otherwise ("absent means none"). */
  setOrRemove(path: Path, value: unknown): this {
    return value === undefined ? this.remove(path) : this.set(path, value);
  }

  remove(path: Path): this {
    this.removes.push(path);
    return this;
  }

  add(path: Path, amount: number): this {
    this.adds.push([path, amount]);
    return this;
  }

  get isEmpty(): boolean {
    return this.sets.length + this.removes.length + this.adds.length + this.appends.length === 0;
  }

  render(p: Placeholders): string {
    const clauses: string[] = [];
    const sets = [
      ...this.sets.map(([path, value]) => `${p.name(path)} = ${p.value(value)}`),
      ...this.appends.map(([path, values]) => `${p.name(path)} = list_append(${p.name(path)}, ${p.value(values)})`),
    ];
    if (sets.length) clauses.push(`SET ${sets.join(', ')}`);
    if (this.removes.length) clauses.push(`REMOVE ${this.removes.map((path) => p.name(path)).join(', ')}`);
    if (this.adds.length) clauses.push(`ADD ${this.adds.map(([path, amount]) => `${p.name(path)} ${p.value(amount)}`).join(', ')}`);
    return clauses.join(' ');
  }
}
