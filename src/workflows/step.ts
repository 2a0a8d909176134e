import type { Ctx } from '../platform/core/context.ts';

/**
 * A step of a flow across modules, beside its undo. A flow runs its steps in one transaction
 * where it can, so a failure rolls every step back at once; `undo` reverses a step after the
 * flow committed (an order cancelled after its checkout), and is what a step outside the
 * database (a payment at a provider) runs when a later step fails.
 */
export interface Step<In, Out> {
  run(tx: Ctx, input: In): Promise<Out>;
  undo(tx: Ctx, done: Out): Promise<void>;
}
