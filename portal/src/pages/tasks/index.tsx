/**
 * Task list: text filter, sorting, pagination and preferences through collection hooks; refreshes by itself; cards
 * instead of a table at phone width. Actions as the original: view, clone, stop (running) or delete (finished).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useCollection } from '@cloudscape-design/collection-hooks';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Cards from '@cloudscape-design/components/cards';
import CollectionPreferences, {
  type CollectionPreferencesProps,
} from '@cloudscape-design/components/collection-preferences';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import type { Task } from '../../api/types.js';
import { usePortal } from '../../app/context.js';
import { StopTaskModal, taskName } from '../../components/stop-task-modal.js';
import { useNarrow } from '../../components/use-narrow.js';
import { formatTime } from '../../lib/format.js';
import { isDeletable, isRunning } from '../../lib/task-view.js';
import { COLUMN_IDS, COLUMN_LABEL, columnDefinitions, filterText, type ColumnId } from './columns.js';

/** How many tasks one refresh reads (the API's page limit); the list filters, sorts and pages them in the browser. */
const FETCH_COUNT = 1000;
const REFRESH_MS = 5000;
const PREFS_KEY = 'dth.tasks.preferences';

interface Prefs {
  pageSize: number;
  wrapLines: boolean;
  contentDisplay: readonly CollectionPreferencesProps.ContentDisplayItem[];
}

function loadPrefs(): Prefs {
  // Progress is off by default (the original has no such column); Preferences turn it on. Lines wrap by default: on one
  // line the seven columns of a 1280 px window cut nearly every cell.
  const fallback: Prefs = {
    pageSize: 20,
    wrapLines: true,
    contentDisplay: COLUMN_IDS.map((id) => ({ id, visible: id !== 'progress' })),
  };
  try {
    const saved = JSON.parse(localStorage.getItem(PREFS_KEY) ?? 'null') as Prefs | null;
    if (
      saved &&
      Array.isArray(saved.contentDisplay) &&
      saved.contentDisplay.every((c) => COLUMN_IDS.includes(c.id as ColumnId))
    )
      return { ...fallback, ...saved };
  } catch {
    /* unreadable preferences: defaults */
  }
  return fallback;
}

export default function TaskList() {
  const { ops, t, lang, navigate, notify } = usePortal();
  const narrow = useNarrow();
  const [which, setWhich] = useState<'active' | 'deleted'>('active');
  const [tasks, setTasks] = useState<Task[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [updated, setUpdated] = useState<Date>();
  const [stopping, setStopping] = useState<Task>();
  const [prefs, setPrefs] = useState<Prefs>(loadPrefs);

  // biome-ignore lint/correctness/useExhaustiveDependencies: notify is a new function each render; reloading on it would loop
  const load = useCallback(async () => {
    try {
      const { items, total: all } = await ops.listTasks(which === 'deleted' ? 'STOPPED' : undefined, 1, FETCH_COUNT);
      setTasks(items);
      setTotal(all);
      setUpdated(new Date());
    } catch (err) {
      notify({ id: 'tasks-load', type: 'error', message: 'loadTasksFailed', vars: { error: (err as Error).message } });
    } finally {
      setLoading(false);
    }
  }, [ops, which]);

  useEffect(() => {
    setLoading(true);
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: t follows lang; a new t each render must not rebuild the columns
  const columns = useMemo(() => columnDefinitions(t, lang), [lang]);
  const empty = (
    <Box textAlign="center" color="inherit">
      <SpaceBetween size="xs">
        <Box variant="strong">{t('noTasks')}</Box>
        <Box variant="p" color="inherit">
          {t('noTasksHint')}
        </Box>
        <Button onClick={() => navigate('/create')}>{t('createTask')}</Button>
      </SpaceBetween>
    </Box>
  );
  const newestFirst = columns.find((c) => c.id === 'created');
  const { items, collectionProps, filterProps, filteredItemsCount, paginationProps, actions } = useCollection(tasks, {
    filtering: {
      filteringFunction: (task, text) => filterText(task, t, lang).toLowerCase().includes(text.trim().toLowerCase()),
      empty,
      noMatch: (
        <Box textAlign="center" color="inherit">
          <SpaceBetween size="xs">
            <Box variant="strong">{t('noMatches')}</Box>
            <Button onClick={() => actions.setFiltering('')}>{t('clearFilter')}</Button>
          </SpaceBetween>
        </Box>
      ),
    },
    sorting: { defaultState: newestFirst ? { sortingColumn: newestFirst, isDescending: true } : undefined },
    pagination: { pageSize: prefs.pageSize },
    selection: { trackBy: 'id', keepSelection: true },
  });
  const selected = collectionProps.selectedItems?.[0];
  // The selected row as it is now (the list refreshes under it).
  const current = selected ? (tasks.find((x) => x.id === selected.id) ?? selected) : undefined;

  const replace = (task: Task) => setTasks((all) => all.map((x) => (x.id === task.id ? { ...x, ...task } : x)));
  const onAction = (id: string) => {
    if (!current) return;
    if (id === 'view') navigate(`/tasks/${encodeURIComponent(current.id)}`);
    if (id === 'clone') navigate(`/create?clone=${encodeURIComponent(current.id)}`);
    if (id === 'stop' || id === 'delete') setStopping(current);
  };

  const header = (
    <Header
      variant="awsui-h1-sticky"
      counter={`(${total})`}
      description={
        updated
          ? // Chinese sentences run on without a space.
            `${t('tasksDescription')}${lang === 'zh' ? '' : ' '}${t('updatedAt', { time: formatTime(updated.getTime(), lang) })}`
          : t('tasksDescription')
      }
      actions={
        <SpaceBetween direction="horizontal" size="xs">
          <Button
            iconName="refresh"
            ariaLabel={t('refresh')}
            onClick={() => {
              setLoading(true);
              void load();
            }}
          />
          <ButtonDropdown
            disabled={!current}
            onItemClick={(e) => onAction(e.detail.id)}
            items={[
              { id: 'view', text: t('viewDetails') },
              { id: 'clone', text: t('cloneTask') },
              { id: 'stop', text: t('stopTask'), disabled: !isRunning(current?.progress) },
              { id: 'delete', text: t('deleteTask'), disabled: !isDeletable(current?.progress) },
            ]}
          >
            {t('actions')}
          </ButtonDropdown>
          <Button variant="primary" onClick={() => navigate('/create')}>
            {t('createTask')}
          </Button>
        </SpaceBetween>
      }
    >
      {t('tasksTitle')}
    </Header>
  );
  const filter = (
    <SpaceBetween direction={narrow ? 'vertical' : 'horizontal'} size="s">
      <TextFilter
        {...filterProps}
        filteringPlaceholder={t('findTasks')}
        filteringAriaLabel={t('findTasksLabel')}
        filteringClearAriaLabel={t('clearFilter')}
        countText={filteredItemsCount === 1 ? t('matchOne') : t('matches', { count: filteredItemsCount ?? 0 })}
      />
      <SegmentedControl
        label={t('showWhich')}
        selectedId={which}
        onChange={(e) => {
          actions.setSelectedItems([]);
          setWhich(e.detail.selectedId as 'active' | 'deleted');
        }}
        options={[
          { id: 'active', text: t('showActive') },
          { id: 'deleted', text: t('showDeleted') },
        ]}
      />
    </SpaceBetween>
  );
  const preferences = (
    <CollectionPreferences
      title={t('preferences')}
      confirmLabel={t('confirm')}
      cancelLabel={t('cancel')}
      preferences={prefs}
      onConfirm={(e) => {
        const next = { ...prefs, ...e.detail } as Prefs;
        setPrefs(next);
        localStorage.setItem(PREFS_KEY, JSON.stringify(next));
      }}
      pageSizePreference={{
        title: t('pageSize'),
        options: [10, 20, 50].map((value) => ({ value, label: t('pageSizeOption', { count: value }) })),
      }}
      wrapLinesPreference={{ label: t('wrapLines'), description: t('wrapLinesDescription') }}
      contentDisplayPreference={{
        title: t('visibleColumns'),
        options: COLUMN_IDS.map((id) => ({ id, label: t(COLUMN_LABEL[id]), alwaysVisible: id === 'id' })),
      }}
    />
  );
  const pagination = <Pagination {...paginationProps} />;
  const visible = prefs.contentDisplay.filter((c) => c.visible).map((c) => c.id);
  const stopModal = <StopTaskModal task={stopping} onClose={() => setStopping(undefined)} onChanged={replace} />;

  if (narrow) {
    const sections = columns.filter((c) => c.id !== 'id' && visible.includes(c.id ?? ''));
    return (
      <>
        <Cards
          {...collectionProps}
          items={items}
          loading={loading && tasks.length === 0}
          loadingText={t('loading')}
          selectionType="single"
          trackBy="id"
          header={header}
          filter={filter}
          pagination={pagination}
          preferences={preferences}
          empty={collectionProps.empty}
          ariaLabels={{
            itemSelectionLabel: (_, task) => t('selectTask', { id: taskName(task) }),
            selectionGroupLabel: t('tasksSelection'),
          }}
          cardDefinition={{
            header: (task) => columns[0].cell(task),
            sections: sections.map((c) => ({ id: c.id, header: c.header, content: (task: Task) => c.cell(task) })),
          }}
        />
        {stopModal}
      </>
    );
  }
  return (
    <>
      <Table
        {...collectionProps}
        items={items}
        columnDefinitions={columns}
        columnDisplay={prefs.contentDisplay}
        wrapLines={prefs.wrapLines}
        loading={loading && tasks.length === 0}
        loadingText={t('loading')}
        selectionType="single"
        trackBy="id"
        variant="full-page"
        stickyHeader
        resizableColumns
        header={header}
        filter={filter}
        pagination={pagination}
        preferences={preferences}
        ariaLabels={{
          itemSelectionLabel: (_, task) => t('selectTask', { id: taskName(task) }),
          selectionGroupLabel: t('tasksSelection'),
          tableLabel: t('tasksTitle'),
        }}
        onRowClick={(e) => actions.setSelectedItems([e.detail.item])}
      />
      {stopModal}
    </>
  );
}
