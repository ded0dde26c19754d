/** Asks before Cancel throws away what was entered in the wizard (Cloudscape's unsaved-changes pattern). */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { usePortal } from '../app/context.js';

export function LeaveWizardModal({ onStay, onLeave }: { onStay: () => void; onLeave: () => void }) {
  const { t } = usePortal();
  return (
    <Modal
      visible
      onDismiss={onStay}
      header={t('leaveTitle')}
      closeAriaLabel={t('cancel')}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onStay}>
              {t('cancel')}
            </Button>
            <Button variant="primary" onClick={onLeave}>
              {t('leaveConfirm')}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      {t('leaveBody')}
    </Modal>
  );
}
