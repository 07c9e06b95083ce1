// Every entity of the documents schema, for the ORM.
import { OutboxEventSchema } from '@clinic/service-kit';
import { AppointmentPartySchema, DocumentSchema, DocumentShareSchema, DocumentVersionSchema, IntakeSubmissionSchema, UploadTicketSchema } from './document.ts';

export const entities = [DocumentSchema, DocumentVersionSchema, DocumentShareSchema, UploadTicketSchema, AppointmentPartySchema, IntakeSubmissionSchema, OutboxEventSchema];
