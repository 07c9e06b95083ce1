// Whole answers of slot searches, kept in the replica's memory so that asking again skips GraphQL
// execution and the day cache altogether. An answer is the same for every caller who sends the same
// operation and variables and sees emergency slots or not (the only thing about a caller that changes a
// slot search), so it is keyed by exactly that. Whether it still holds is decided on every request by the
// one query the search makes anyway: the doctors the search matches and their availability versions (the
// same versions the day cache is keyed by, moved by Postgres triggers in every change's transaction), plus
// the clock: an answer is kept only until its soonest slot enters the minimum notice or a hold it counted
// lets go, and never when the booking horizon cuts the search.
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext, type GraphQLResponse } from '@apollo/server';
import { getArgumentValues, getVariableValues, Kind, type FieldNode, type OperationDefinitionNode } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppointmentsContext } from '../context.ts';
import { slotSearchRequest } from '../resolvers/slot-search-args.ts';
import type { SlotSearchInput } from '../generated/resolvers-types.ts';
import { availabilityFingerprint, loadVersionedDoctors, type VersionedDoctor } from './cached-search.ts';

/** What a request that missed hands to the resolver, and the resolver back, so the answer can be kept. */
export interface PendingAnswer {
  key: string;
  fingerprint: string;
  doctors: VersionedDoctor[];
  computedAt: number;
  /** Set by the search: until when the answer holds (absent: it may not be kept). */
  stableUntil?: number;
}

interface Answer {
  fingerprint: string;
  data: Record<string, unknown>;
  computedAt: number;
  stableUntil: number;
}

const MAX_ANSWERS = 1_000;

export class AnswerCache {
  readonly stats = { hits: 0, misses: 0 };
  /** Insertion order is recency: a hit moves its answer to the end, the oldest goes first. */
  private readonly answers = new Map<string, Answer>();

  constructor(private readonly max = MAX_ANSWERS) {}

  /** The answer for `key` if it was computed from these doctors and versions and still holds at `now`. */
  get(key: string, fingerprint: string, now: number): Record<string, unknown> | null {
    const answer = this.answers.get(key);
    // A clock set back before the answer was made, or past the moment it stops holding, invalidates it.
    if (!answer || answer.fingerprint !== fingerprint || now < answer.computedAt || now >= answer.stableUntil) {
      this.stats.misses += 1;
      return null;
    }
    this.stats.hits += 1;
    this.answers.delete(key);
    this.answers.set(key, answer);
    return answer.data;
  }

  set(key: string, answer: Answer): void {
    this.answers.delete(key);
    this.answers.set(key, answer);
    if (this.answers.size > this.max) this.answers.delete(this.answers.keys().next().value!);
  }

  get size(): number {
    return this.answers.size;
  }
}

/** The operation's only field when it is a bare `availableSlots` (no directives, no second field). */
function soleSlotSearch(operation: OperationDefinitionNode | undefined): FieldNode | null {
  if (operation?.operation !== 'query') return null;
  const selections = operation.selectionSet.selections;
  const field = selections.length === 1 ? selections[0]! : null;
  if (field?.kind !== Kind.FIELD || field.name.value !== 'availableSlots' || field.directives?.length) return null;
  return field;
}

/**
 * Answers a repeated slot search from the cache before execution (`reader` runs its one raw query: the
 * service's root EntityManager, as forking one per request would cost more than the query); a miss hands the doctors it read to the
 * resolver (no second query) and keeps the answer when the search says how long it holds.
 */
export function answerCachePlugin(answers: AnswerCache, reader: EntityManager): ApolloServerPlugin<AppointmentsContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation(rc: GraphQLRequestContext<AppointmentsContext>): Promise<GraphQLResponse | null> {
          const ctx = rc.contextValue;
          const field = ctx.availability?.enabled ? soleSlotSearch(rc.operation) : null;
          if (!field) return null;
          const request = searchOf(rc, field);
          if (!request) return null;
          const doctors = await loadVersionedDoctors(reader, request.search);
          const key = `${request.search.includeEmergency ? 1 : 0}\n${rc.operationName ?? ''}\n${rc.source}\n${JSON.stringify(rc.request.variables ?? {})}`;
          const fingerprint = availabilityFingerprint(doctors);
          const now = ctx.clinic.now().getTime();
          const data = answers.get(key, fingerprint, now);
          if (data) return { http: { headers: new HeaderMap(), status: undefined }, body: { kind: 'single', singleResult: { data } } };
          ctx.pendingAnswer = { key, fingerprint, doctors, computedAt: now };
          return null;
        },
        async willSendResponse(rc) {
          const pending = rc.contextValue.pendingAnswer;
          const body = rc.response.body;
          if (!pending || pending.stableUntil === undefined || body.kind !== 'single') return;
          const { data, errors } = body.singleResult;
          if (errors?.length || !data || pending.stableUntil <= pending.computedAt) return;
          answers.set(pending.key, { fingerprint: pending.fingerprint, data, computedAt: pending.computedAt, stableUntil: pending.stableUntil });
        },
      };
    },
  };
}

/** The search the resolver will make, or null when it will refuse it (execution then gives the error). */
function searchOf(rc: GraphQLRequestContext<AppointmentsContext>, field: FieldNode) {
  const fieldDef = rc.schema.getQueryType()?.getFields().availableSlots;
  if (!fieldDef || !rc.operation) return null;
  const variables = getVariableValues(rc.schema, rc.operation.variableDefinitions ?? [], rc.request.variables ?? {});
  if (variables.errors) return null;
  try {
    const args = getArgumentValues(fieldDef, field, variables.coerced) as { search: SlotSearchInput };
    return slotSearchRequest(args.search, rc.contextValue.viewer);
  } catch {
    return null;
  }
}
