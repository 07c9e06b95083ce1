// "Ask the clinic assistant": opens (or returns) the patient's desk conversation, where the assistant answers
// first and offers free slots as buttons; a member of staff takes over when needed.
import { Button } from '@mui/material';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';
import { StartAssistantConversationDocument } from '../../gql/graphql.ts';
import { ErrorNotice } from '../../components/Feedback.tsx';

export function AskAssistantButton() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [started, start] = useMutation(StartAssistantConversationDocument);
  return (
    <>
      <Button
        variant="contained"
        disabled={started.fetching}
        onClick={async () => {
          const res = await start({});
          if (res.data) void navigate(`/messages/${res.data.startConversation.id}`);
        }}
        sx={{ mb: 2 }}
      >
        {t('assistant.ask')}
      </Button>
      <ErrorNotice error={started.error} />
    </>
  );
}
