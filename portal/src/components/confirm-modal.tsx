/** A question before an action that cannot be undone (Cloudscape's confirmation modal): Cancel, or the action. */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { usePortal } from '../app/context.js';

export function ConfirmModal(props: {
  header: string;
  body: string;
  confirmLabel: string;
  onCancel: () => void;
  onConfirm: () => void;
  busy?: boolean;
}) {
  const { t } = usePortal();
  return (
    <Modal
      visible
      onDismiss={props.onCancel}
      header={props.header}
      closeAriaLabel={t('cancel')}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={props.onCancel}>
              {t('cancel')}
            </Button>
            <Button variant="primary" loading={props.busy} onClick={props.onConfirm}>
              {props.confirmLabel}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      {props.body}
    </Modal>
  );
}
