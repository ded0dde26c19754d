/**
 * Create task wizard (also Clone: `#/create?clone=<id>` starts from that task's choices). Each step checks its own
 * fields on Next and shows errors on them; an error the API reports at Create goes to its field and step too.
 */
import { useEffect, useMemo, useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Wizard from '@cloudscape-design/components/wizard';
import type { ApiError } from '../../api/client.js';
import type { Secret } from '../../api/types.js';
import { usePortal } from '../../app/context.js';
import { hrefOf } from '../../app/routes.js';
import { ConfirmModal } from '../../components/confirm-modal.js';
import { taskName } from '../../components/stop-task-modal.js';
import type { FieldContext } from './fields.js';
import { STEP } from './layout.js';
import {
  createInput,
  ecrParameters,
  initialState,
  s3Parameters,
  stateFromTask,
  withEcrField,
  withS3Field,
} from './parameters.js';
import { EcrDestinationPanel } from './panels/ecr-destination-panel.js';
import { EcrSourcePanel } from './panels/ecr-source-panel.js';
import { EnginePanel } from './panels/engine-panel.js';
import { EstimatePanel } from './panels/estimate-panel.js';
import { clearDraft, loadDraft, saveDraft } from './draft.js';
import { ReviewPanel } from './panels/review-panel.js';
import { S3DestinationPanel } from './panels/s3-destination-panel.js';
import { S3EnginePanel } from './panels/s3-engine-panel.js';
import { S3SourcePanel } from './panels/s3-source-panel.js';
import { SchedulePanel } from './panels/schedule-panel.js';
import { TaskDetailsPanel } from './panels/task-details-panel.js';
import type { EcrForm, S3Form, WizardState } from './types.js';
import { apiRefusal, type FieldProblems, problemTexts, stepProblems } from './validation.js';

export default function CreateTask({ cloneOf, step }: { cloneOf?: string; step: number }) {
  const { ops, t, lang, navigate, notify, local } = usePortal();
  const ctx: FieldContext = useMemo(() => ({ local }), [local]);
  // Past the first step on opening (a reload, a sign-in again): the tab's kept choices of this wizard, if any.
  const [kept] = useState(() => (step > 0 ? loadDraft(cloneOf, initialState) : undefined));
  const [state, setState] = useState<WizardState>(() => kept?.state ?? initialState());
  /** What the wizard opened with (empty, or the cloned task's choices): Cancel asks first once anything changed. */
  const [openedWith, setOpenedWith] = useState<WizardState>(() => kept?.openedWith ?? state);
  const [leaving, setLeaving] = useState(false);
  // The step lives in the address: each step is a history entry, so the browser's Back and Forward move between steps
  // with what was typed kept (the original routed each step); before, Back left the wizard and lost it.
  const setStep = (to: number) => navigate(hrefOf({ name: 'create', clone: cloneOf, step: to }).slice(1));
  /** Kept as message keys and values, worded at render: a language switch rewords the errors shown. */
  const [fieldProblems, setErrors] = useState<FieldProblems>({});
  const errors = useMemo(() => problemTexts(fieldProblems, lang), [fieldProblems, lang]);
  const [secrets, setSecrets] = useState<Secret[]>([]);
  const [secretsError, setSecretsError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [submitError, setSubmitError] = useState<string>();
  const [cloning, setCloning] = useState(Boolean(cloneOf) && !kept);
  /** The task to clone could not be read: said on the first step, where the wizard opens (not only on Review). */
  const [cloneError, setCloneError] = useState<{ notFound: string } | { message: string }>();

  useEffect(() => {
    ops.listSecrets().then(
      (s) => setSecrets(s),
      (e: Error) => setSecretsError(e.message),
    );
  }, [ops]);
  // A later step opened with nothing kept (an old address, a finished task's Back): the first step, not a Review of
  // empty choices with Create live. A clone reads its task and stays on the address's step.
  // biome-ignore lint/correctness/useExhaustiveDependencies: decided once, on opening
  useEffect(() => {
    if (step > 0 && !kept && !cloneOf) window.location.replace(hrefOf({ name: 'create' }));
  }, []);
  useEffect(() => {
    if (!cloning) saveDraft(cloneOf, state, openedWith);
  }, [cloneOf, cloning, state, openedWith]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the task is read once per clone id; the step it opens on is the address's at that moment
  useEffect(() => {
    if (!cloneOf || kept) return;
    ops
      .getTask(cloneOf)
      .then(
        (task) => {
          if (task) {
            const cloned = stateFromTask(task);
            setState(cloned);
            setOpenedWith(cloned);
            // Opens on Source, unless the address names a later step (a reload there).
            if (step === 0) setStep(STEP.source);
          } else setCloneError({ notFound: cloneOf });
        },
        (e: Error) => setCloneError({ message: e.message }),
      )
      .finally(() => setCloning(false));
  }, [ops, cloneOf]);

  const setS3 = (key: keyof S3Form, value: string) => {
    setState((s) => ({ ...s, s3: withS3Field(s.s3, key, value) }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };
  const setEcr = (key: keyof EcrForm, value: string) => {
    setState((s) => ({ ...s, ecr: withEcrField(s.ecr, key, value) }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };
  const setCommon = (patch: Partial<WizardState['common']>) => {
    setState((s) => ({ ...s, common: { ...s.common, ...patch } }));
    setErrors((e) => ({ ...e, ...Object.fromEntries(Object.keys(patch).map((k) => [k, undefined])) }));
  };
  // S3 events need a task that keeps running: one time is not possible with them (as the original).
  const eventsOn =
    state.type === 'S3EC2' &&
    state.s3.sourceKind === 'Amazon_S3' &&
    state.s3.srcInCurrentAccount === 'true' &&
    state.s3.srcEvent !== 'No';
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change of eventsOn switches the schedule, never the user's own choice
  useEffect(() => {
    if (eventsOn && state.common.schedule.kind === 'ONE_TIME')
      setCommon({ schedule: { ...state.common.schedule, kind: 'FIXED_RATE' } });
  }, [eventsOn]);

  /** Checks the steps from `from` up to (not including) `to`; stops on the first with problems. */
  const firstInvalid = (from: number, to: number): number | undefined => {
    for (let s = from; s < to; s++) {
      const problems = stepProblems(state, s, ctx);
      if (Object.values(problems).some(Boolean)) {
        setErrors(problems);
        setStep(s);
        return s;
      }
    }
    return undefined;
  };

  const create = async () => {
    if (firstInvalid(STEP.source, STEP.review) !== undefined) return;
    setBusy(true);
    setSubmitError(undefined);
    try {
      const task = await ops.createTask(createInput(state));
      clearDraft();
      notify({ id: `created-${task.id}`, type: 'success', message: 'taskCreated', vars: { id: taskName(task) } });
      navigate(`/tasks/${encodeURIComponent(task.id)}`);
    } catch (err) {
      const e = err as ApiError;
      if (e.field) {
        const refused = apiRefusal(state, e.problems ?? [{ field: e.field, message: e.message }], ctx);
        setErrors(refused.problems);
        if (refused.step !== undefined) setStep(refused.step);
        if (refused.unshown.length) setSubmitError(refused.unshown.map((p) => p.message).join('; '));
      } else setSubmitError(e.message);
    } finally {
      setBusy(false);
    }
  };

  if (cloning)
    return (
      <Box textAlign="center" padding="xxl">
        <Spinner size="large" />
      </Box>
    );
  const s3 = state.type === 'S3EC2';
  const input = createInput(state);
  const problems = Object.values(errors).some(Boolean);
  const stepAlert = problems ? <Alert type="error">{t('fixErrors')}</Alert> : null;
  const secretsAlert = secretsError ? (
    <Alert type="warning">{t('secretsLoadFailed', { error: secretsError })}</Alert>
  ) : null;

  return (
    <>
      {leaving ? (
        // Cancel after a change asks first (Cloudscape's unsaved-changes pattern).
        <ConfirmModal
          header={t('leaveTitle')}
          body={t('leaveBody')}
          confirmLabel={t('leaveConfirm')}
          onCancel={() => setLeaving(false)}
          onConfirm={() => {
            clearDraft();
            navigate('/tasks');
          }}
        />
      ) : null}
      <Wizard
        activeStepIndex={step}
        isLoadingNextStep={busy}
        allowSkipTo
        onCancel={() => {
          if (JSON.stringify(state) !== JSON.stringify(openedWith)) return setLeaving(true);
          clearDraft();
          navigate('/tasks');
        }}
        onSubmit={() => void create()}
        onNavigate={(e) => {
          const to = e.detail.requestedStepIndex;
          if (to > step && firstInvalid(step, to) !== undefined) return;
          setErrors({});
          setSubmitError(undefined);
          setStep(to);
        }}
        i18nStrings={{
          stepNumberLabel: (n) => t('stepNumber', { n }),
          collapsedStepsLabel: (n, total) => t('stepsCollapsed', { n, total }),
          skipToButtonLabel: (s) => t('skipTo', { title: s.title }),
          navigationAriaLabel: t('navigationLabel'),
          cancelButton: t('cancel'),
          previousButton: t('previous'),
          nextButton: t('next'),
          submitButton: t('create'),
          optional: t('optional'),
        }}
        steps={[
          {
            title: t('wizardStepEngine'),
            content: (
              <SpaceBetween size="l">
                {cloneError ? (
                  <Alert type="error">
                    {'notFound' in cloneError ? t('notFoundBody', { id: cloneError.notFound }) : cloneError.message}
                  </Alert>
                ) : null}
                <EnginePanel type={state.type} onChange={(type) => setState((s) => ({ ...s, type }))} />
              </SpaceBetween>
            ),
          },
          {
            title: t('wizardStepSource'),
            content: (
              <SpaceBetween size="l">
                {stepAlert}
                {secretsAlert}
                {s3 ? (
                  <S3SourcePanel form={state.s3} onChange={setS3} errors={errors} secrets={secrets} ctx={ctx} />
                ) : (
                  <EcrSourcePanel form={state.ecr} onChange={setEcr} errors={errors} secrets={secrets} ctx={ctx} />
                )}
              </SpaceBetween>
            ),
          },
          {
            title: t('wizardStepDestination'),
            content: (
              <SpaceBetween size="l">
                {stepAlert}
                {secretsAlert}
                {s3 ? (
                  <S3DestinationPanel form={state.s3} onChange={setS3} errors={errors} secrets={secrets} ctx={ctx} />
                ) : (
                  <EcrDestinationPanel form={state.ecr} onChange={setEcr} errors={errors} secrets={secrets} ctx={ctx} />
                )}
              </SpaceBetween>
            ),
          },
          {
            title: t('wizardStepSettings'),
            content: (
              <SpaceBetween size="l">
                {stepAlert}
                <SchedulePanel
                  type={state.type}
                  schedule={state.common.schedule}
                  onChange={(schedule) => setCommon({ schedule })}
                  error={errors.schedule}
                  eventsOn={eventsOn}
                />
                <TaskDetailsPanel common={state.common} onChange={setCommon} errors={errors} />
                {s3 ? <S3EnginePanel form={state.s3} onChange={setS3} errors={errors} ctx={ctx} /> : null}
                {/* Image tasks are planned by the local hub (it has skopeo and the registry logins), not the cloud API. */}
                {s3 || local ? (
                  <EstimatePanel
                    type={state.type}
                    parameters={() =>
                      s3 ? s3Parameters(state.s3, state.common) : ecrParameters(state.ecr, state.common)
                    }
                    beforeRun={() => firstInvalid(STEP.source, STEP.settings) === undefined}
                  />
                ) : null}
              </SpaceBetween>
            ),
          },
          {
            title: t('wizardStepReview'),
            content: (
              <SpaceBetween size="l">
                {submitError ? <Alert type="error">{t('createFailed', { error: submitError })}</Alert> : null}
                <ReviewPanel
                  input={input}
                  onEdit={(s) => {
                    setErrors({});
                    setStep(s);
                  }}
                />
              </SpaceBetween>
            ),
          },
        ]}
      />
    </>
  );
}
