// The public API as the assistant uses it: every call goes through the router with the PATIENT'S OWN
// bearer token (forwarded from the askAssistant request), so the assistant can never do more than the
// patient could. Errors come back as { code, message } (e.g. the 24 h change deadline) for the dialogue
// to explain.
import type { DirectoryDoctor } from '../understanding/doctors.ts';

export interface ApiError {
  code: string;
  message: string;
  /** The service's machine-readable reason, e.g. DEADLINE_PASSED. */
  reason?: string;
}

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError };

export interface FreeSlot {
  doctorId: string;
  doctorName: string;
  startsAt: string;
  localStartsAt: string;
  consultationType: string;
}

export interface PatientAppointment {
  id: string;
  status: string;
  startsAt: string;
  doctorId: string;
  doctorName: string;
}

export interface ClinicApi {
  doctors(from: Date, to: Date): Promise<DirectoryDoctor[]>;
  searchSlots(search: { doctorIds?: string[]; specialisation?: string; from: Date; to: Date; timeZone: string; first?: number }): Promise<ApiResult<FreeSlot[]>>;
  requestAppointment(input: { doctorId: string; startsAt: string; consultationType: string; reason?: string }): Promise<ApiResult<{ id: string; status: string; startsAt: string }>>;
  cancelAppointment(id: string): Promise<ApiResult<{ id: string; status: string }>>;
  rescheduleAppointment(id: string, startsAt: string): Promise<ApiResult<{ id: string; status: string; startsAt: string }>>;
  myAppointments(from: Date): Promise<ApiResult<PatientAppointment[]>>;
}

const SLOT_FIELDS = 'startsAt localStartsAt consultationType doctor { id displayName doctorProfile { specialisations } }';

interface SlotRow {
  startsAt: string;
  localStartsAt: string;
  consultationType: string;
  doctor: { id: string; displayName: string | null; doctorProfile: { specialisations: string[] } | null };
}

/** `authorization`: the patient's own bearer token, or in chat the assistant's read-only availability token (or none). */
export function clinicApi(routerUrl: string, authorization: string | null, timeoutMs = 10_000): ClinicApi {
  async function call<T>(query: string, variables: Record<string, unknown>): Promise<ApiResult<T>> {
    try {
      const res = await fetch(routerUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };
      if (body.errors?.length) {
        const e = body.errors[0]!;
        const reason = typeof e.extensions?.reason === 'string' ? { reason: e.extensions.reason } : {};
        return { ok: false, error: { code: e.extensions?.code ?? 'INTERNAL_SERVER_ERROR', message: e.message, ...reason } };
      }
      return { ok: true, data: body.data as T };
    } catch {
      return { ok: false, error: { code: 'UNAVAILABLE', message: 'The clinic API did not answer' } };
    }
  }

  const slotsOf = (rows: SlotRow[]): FreeSlot[] =>
    rows.map((s) => ({ doctorId: s.doctor.id, doctorName: s.doctor.displayName ?? '', startsAt: s.startsAt, localStartsAt: s.localStartsAt, consultationType: s.consultationType }));

  return {
    async doctors(from, to) {
      const r = await call<{ availableSlots: { slots: SlotRow[] } }>(
        `query AssistantDoctors($search: SlotSearchInput!) { availableSlots(search: $search) { slots { ${SLOT_FIELDS} } } }`,
        { search: { from: from.toISOString(), to: to.toISOString(), first: 200 } },
      );
      if (!r.ok) return [];
      const byId = new Map<string, DirectoryDoctor>();
      for (const s of r.data.availableSlots.slots) {
        byId.set(s.doctor.id, { id: s.doctor.id, name: s.doctor.displayName ?? '', specialisations: s.doctor.doctorProfile?.specialisations ?? [] });
      }
      return [...byId.values()];
    },
    async searchSlots(search) {
      const r = await call<{ availableSlots: { slots: SlotRow[] } }>(
        `query AssistantSlots($search: SlotSearchInput!) { availableSlots(search: $search) { slots { ${SLOT_FIELDS} } } }`,
        { search: { ...search, from: search.from.toISOString(), to: search.to.toISOString(), first: search.first ?? 50 } },
      );
      return r.ok ? { ok: true, data: slotsOf(r.data.availableSlots.slots) } : r;
    },
    async requestAppointment(input) {
      const r = await call<{ requestAppointment: { id: string; status: string; startsAt: string } }>(
        `mutation AssistantRequest($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id status startsAt } }`,
        { input },
      );
      return r.ok ? { ok: true, data: r.data.requestAppointment } : r;
    },
    async cancelAppointment(id) {
      const r = await call<{ cancelAppointment: { id: string; status: string } }>(
        `mutation AssistantCancel($id: ID!) { cancelAppointment(id: $id) { id status } }`,
        { id },
      );
      return r.ok ? { ok: true, data: r.data.cancelAppointment } : r;
    },
    async rescheduleAppointment(id, startsAt) {
      const r = await call<{ rescheduleAppointment: { id: string; status: string; startsAt: string } }>(
        `mutation AssistantReschedule($id: ID!, $startsAt: DateTime!) { rescheduleAppointment(id: $id, startsAt: $startsAt) { id status startsAt } }`,
        { id, startsAt },
      );
      return r.ok ? { ok: true, data: r.data.rescheduleAppointment } : r;
    },
    async myAppointments(from) {
      const r = await call<{ myAppointments: { id: string; status: string; startsAt: string; doctor: { id: string; displayName: string | null } }[] }>(
        `query AssistantMine($from: DateTime, $status: [AppointmentStatus!]) { myAppointments(from: $from, status: $status, first: 20, order: UPCOMING_FIRST) { id status startsAt doctor { id displayName } } }`,
        { from: from.toISOString(), status: ['REQUESTED', 'APPROVED'] },
      );
      return r.ok
        ? { ok: true, data: r.data.myAppointments.map((a) => ({ id: a.id, status: a.status, startsAt: a.startsAt, doctorId: a.doctor.id, doctorName: a.doctor.displayName ?? '' })) }
        : r;
    },
  };
}
