// The clinic assistant as a chat participant: a fixed id (kit's ASSISTANT_PARTICIPANT_ID), not an identity user.
// It is left out wherever chat talks about people (participant lists, receipts, presence, unread events).
import { ASSISTANT_PARTICIPANT_ID } from '@clinic/service-kit';

export const isAssistant = (userId: string | null | undefined) => userId === ASSISTANT_PARTICIPANT_ID;

/** The ids without the assistant. */
export const people = (ids: string[]) => ids.filter((id) => !isAssistant(id));
