import { useCallback, useEffect, useState } from 'react';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { TASK_FIELDS, type Task } from '../api.js';
import { usePortal } from '../context.js';
import { taskEnds } from '../format.js';
import { TaskStatus } from './status.js';

const PAGE = 10;
const PROGRESS = ['STARTING', 'IN_PROGRESS', 'STOPPING', 'DONE', 'STOPPED', 'ERROR'];

export function TaskList() {
  const { api, t, navigate } = usePortal();
  const [items, setItems] = useState<Task[]>([]);
  const [total, setTotal] = useState(0);
  const [page, setPage] = useState(1);
  const [filter, setFilter] = useState<string>('');
  const [selected, setSelected] = useState<Task[]>([]);
  const [loading, setLoading] = useState(true);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const d = await api.call<{ listTasksV2: { items: Task[]; total: number } }>(
        `query($p: TaskProgress, $page: Int, $count: Int) { listTasksV2(progress: $p, page: $page, count: $count) { total items { ${TASK_FIELDS} } } }`,
        { p: filter || null, page, count: PAGE },
      );
      setItems(d.listTasksV2.items);
      setTotal(d.listTasksV2.total);
    } finally {
      setLoading(false);
    }
  }, [api, filter, page]);

  useEffect(() => { void load(); }, [load]);

  const stop = async () => {
    for (const task of selected) await api.call('mutation($id: String!) { stopTask(id: $id) { id progress } }', { id: task.id });
    setSelected([]);
    await load();
  };

  const options = [{ value: '', label: t('all') }, ...PROGRESS.map((p) => ({ value: p, label: p }))];
  return (
    <Table
      loading={loading}
      items={items}
      selectionType="multi"
      selectedItems={selected}
      onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
      trackBy="id"
      empty={t('noTasks')}
      header={
        <Header counter={`(${total})`} actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button iconName="refresh" onClick={() => void load()}>{t('refresh')}</Button>
            <Button disabled={!selected.some((s) => ['STARTING', 'IN_PROGRESS', 'ERROR'].includes(s.progress))} onClick={() => void stop()}>{t('stop')}</Button>
            <Button variant="primary" onClick={() => navigate('/create')}>{t('createTask')}</Button>
          </SpaceBetween>
        }>{t('taskList')}</Header>
      }
      filter={
        <Select ariaLabel="status filter" selectedOption={options.find((o) => o.value === filter) ?? options[0]} options={options}
          onChange={(e) => { setPage(1); setFilter(e.detail.selectedOption.value ?? ''); }} />
      }
      pagination={<Pagination currentPageIndex={page} pagesCount={Math.max(1, Math.ceil(total / PAGE))} onChange={(e) => setPage(e.detail.currentPageIndex)} />}
      columnDefinitions={[
        { id: 'id', header: t('id'), cell: (task) => <Link href={`#/tasks/${task.id}`}>{task.id.slice(0, 8)}</Link> },
        { id: 'source', header: t('source'), cell: (task) => taskEnds(task).source },
        { id: 'destination', header: t('destination'), cell: (task) => taskEnds(task).destination },
        { id: 'type', header: t('type'), cell: (task) => task.type },
        { id: 'status', header: t('status'), cell: (task) => <TaskStatus progress={task.progress} /> },
        { id: 'created', header: t('created'), cell: (task) => new Date(task.createdAt).toLocaleString() },
      ]}
    />
  );
}
