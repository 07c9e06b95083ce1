// Every entity of the assistant schema, for the ORM.
import { OutboxEventSchema } from '@clinic/service-kit';
import { AssistantContextSchema, AssistantTurnSchema, HandoffSchema } from './conversation.ts';
import { KnowledgeArticleSchema } from './knowledge.ts';

export const entities = [AssistantContextSchema, AssistantTurnSchema, HandoffSchema, KnowledgeArticleSchema, OutboxEventSchema];
