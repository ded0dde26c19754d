/** The task list's columns (also the card sections at phone width), with sorting keys and human labels. */
import Link from '@cloudscape-design/components/link';
import type { TableProps } from '@cloudscape-design/components/table';
import type { Task } from '../../api/types.js';
import { TaskListStatus } from '../../components/task-error-status.js';
import { taskName } from '../../components/stop-task-modal.js';
import { formatTime } from '../../lib/format.js';
import { engineKey, percentDone, scheduleKey, statusKey, taskEnds } from '../../lib/task-view.js';
import type { Lang, StringKey } from '../../i18n/index.js';
import { hrefOf } from '../../app/routes.js';

type T = (k: StringKey, vars?: Record<string, string | number>) => string;

export const COLUMN_IDS = [
  'id',
  'source',
  'destination',
  'engine',
  'schedule',
  'status',
  'progress',
  'created',
] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export const COLUMN_LABEL: Record<ColumnId, StringKey> = {
  id: 'colId',
  source: 'colSource',
  destination: 'colDestination',
  engine: 'colEngine',
  schedule: 'colSchedule',
  status: 'colStatus',
  progress: 'colProgress',
  created: 'colCreated',
};

/** Orders tasks by a column's sort key; columns without one are not sortable. */
function comparatorOf(key: ((task: Task) => string | number) | undefined) {
  if (!key) return undefined;
  return (a: Task, b: Task) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

export function progressText(task: Task, t: T): string {
  const p = task.progressInfo;
  if (!p?.total) return '-';
  // Copied and skipped apart, as the task page counts them: "1 of 3 images" read as copied when one was skipped.
  const counted = { copied: p.replicated ?? 0, total: p.total, skipped: p.skipped ?? 0 };
  const key = task.type === 'ECR' ? 'imagesOf' : 'objectsOf';
  return `${t(counted.skipped ? `${key}Skipped` : key, counted)} (${percentDone(task)}%)`;
}

/** Text a task is found by in the list's filter: what the columns show, in the current language. */
export function filterText(task: Task, t: T, lang: Lang = 'en'): string {
  const ends = taskEnds(task, lang);
  return [
    task.id,
    task.stackName,
    task.description,
    ends.source,
    ends.destination,
    t(engineKey(task)),
    t(scheduleKey(task)),
    t(statusKey(task.progress)),
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * Starting widths (px), shared out by what each column must hold whole so that the seven default columns fit a 1280 px
 * window with the navigation open (862 px of the 875 there are); lines wrap by default, so nothing is cut. Before:
 * every column came out ~120 px on one line and each cell was cut ("Completed…", "S3 compati…").
 */
const WIDTH: Record<ColumnId, number> = {
  // The widest short id ("dddddddd", 69 px in the console's font) and the cell's 38 px of padding: at 105 px one id in
  // ten or so wrapped its last character.
  id: 112,
  // Paths wrap anywhere; the header "Destination" needs ~140 px (padding and the sort icon beside the word).
  source: 126,
  destination: 142,
  // "引擎类型" (4 CJK characters) broke after the third at 105 px.
  engine: 118,
  schedule: 120,
  status: 135,
  progress: 130,
  // The widest date ("12/28/2026,", 78 px) and padding, with room for rounding: at 115 px it broke from the 10th.
  created: 122,
};

/** A task's name in a list cell: the stack name in the cloud, else the id's first 8 characters (as short commit ids). */
export function listName(task: Pick<Task, 'id' | 'stackName'>): string {
  const name = taskName(task);
  return name === task.id && /^[0-9a-f]{8}-/.test(name) ? name.slice(0, 8) : name;
}

export function columnDefinitions(t: T, lang: Lang): TableProps.ColumnDefinition<Task>[] {
  const cell: Record<ColumnId, (task: Task) => React.ReactNode> = {
    id: (task) => (
      <Link href={hrefOf({ name: 'task', id: task.id })} ariaLabel={taskName(task)}>
        {listName(task)}
      </Link>
    ),
    source: (task) => taskEnds(task, lang).source,
    destination: (task) => taskEnds(task, lang).destination,
    engine: (task) => t(engineKey(task)),
    schedule: (task) => t(scheduleKey(task)),
    status: (task) => <TaskListStatus task={task} />,
    progress: (task) => progressText(task, t),
    created: (task) => formatTime(task.createdAt, lang),
  };
  const sortKey: Partial<Record<ColumnId, (task: Task) => string | number>> = {
    id: (task) => taskName(task),
    source: (task) => taskEnds(task, lang).source,
    destination: (task) => taskEnds(task, lang).destination,
    engine: (task) => t(engineKey(task)),
    schedule: (task) => t(scheduleKey(task)),
    status: (task) => t(statusKey(task.progress)),
    created: (task) => task.createdAt ?? '',
  };
  return COLUMN_IDS.map((id) => ({
    id,
    header: t(COLUMN_LABEL[id]),
    cell: cell[id],
    width: WIDTH[id],
    minWidth: 80,
    sortingField: sortKey[id] ? id : undefined,
    sortingComparator: comparatorOf(sortKey[id]),
    isRowHeader: id === 'id',
  }));
}
