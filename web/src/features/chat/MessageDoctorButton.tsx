// "Message your doctor" from an appointment: opens (or finds) the appointment's conversation and goes there.
import { Button } from '@mui/material';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';
import { OpenAppointmentConversationDocument } from '../../gql/graphql.ts';

export function MessageDoctorButton({ appointmentId }: { appointmentId: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [state, open] = useMutation(OpenAppointmentConversationDocument);
  return (
    <Button
      size="small"
      disabled={state.fetching}
      onClick={async () => {
        const res = await open({ appointmentId });
        if (res.data) void navigate(`/messages/${res.data.openAppointmentConversation.id}`);
      }}
    >
      {t('chat.messageDoctor')}
    </Button>
  );
}
