/** `POST /inbox/{id}/handled`: a team member marks an inbox item handled (or not); ONE conditional write. */
import { InboxItemNotFoundError, type UseCaseContext } from './context.js';
import { withLocalTime, type InboxListItem } from './list-inbox.js';

export async function setInboxHandled(ctx: UseCaseContext, input: { id: string; handled: boolean }): Promise<InboxListItem> {
  const item = await ctx.store.setInboxHandled({
    id: input.id,
    handled: input.handled,
    by: ctx.actor ?? 'apiKey',
    at: ctx.clock.now().toISOString(),
  });
  if (!item) throw new InboxItemNotFoundError(input.id);
  ctx.logger.info('inbox item handled', { id: input.id, handled: input.handled });
  return withLocalTime(item);
}
