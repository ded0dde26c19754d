/**
 * The wizard's choices kept in the tab (sessionStorage) while it is open: a sign-in again (the hub restarted, a cloud
 * session ended and came back through the hosted UI) or a reload rebuilds the console, and the wizard must come back
 * on its step with what was typed — before, it came back on that step with every field empty. The form holds names of
 * secrets, never their values. Kept until the task is created or the wizard is left on purpose.
 */
import type { WizardState } from './types.js';

const DRAFT_KEY = 'dth.create-draft';

interface Draft {
  /** The task the wizard was cloned from; a draft is restored only into the same wizard. */
  clone: string | null;
  state: WizardState;
  /** What the wizard opened with (Cancel asks first once the state differs). */
  openedWith: WizardState;
}

export function saveDraft(clone: string | undefined, state: WizardState, openedWith: WizardState): void {
  try {
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ clone: clone ?? null, state, openedWith } satisfies Draft));
  } catch {
    // Storage full or refused (a private window): the wizard works as before, without surviving a reload.
  }
}

export function clearDraft(): void {
  sessionStorage.removeItem(DRAFT_KEY);
}

/** The kept choices of this wizard (same clone), laid over `fresh` so a field added since is at its default. */
export function loadDraft(
  clone: string | undefined,
  fresh: () => WizardState,
): { state: WizardState; openedWith: WizardState } | undefined {
  let draft: Partial<Draft> | undefined;
  try {
    draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
  if (!draft?.state || !draft.openedWith || (draft.clone ?? null) !== (clone ?? null)) return undefined;
  return { state: over(fresh(), draft.state), openedWith: over(fresh(), draft.openedWith) };
}

function over(base: WizardState, kept: Partial<WizardState>): WizardState {
  return {
    type: kept.type === 'ECR' || kept.type === 'S3EC2' ? kept.type : base.type,
    s3: { ...base.s3, ...kept.s3 },
    ecr: { ...base.ecr, ...kept.ecr },
    common: {
      ...base.common,
      ...kept.common,
      schedule: { ...base.common.schedule, ...kept.common?.schedule },
    },
  };
}
