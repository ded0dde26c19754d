/**
 * Finder / worker log browser as the original's: the log group's streams (prefix filter, 20 per page), then one
 * stream's events, newest page first, with "load older" / "load newer" and a tail that follows new events.
 * JSON log lines are shown parsed (time, level, event, fields); other lines as they are.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import Toggle from '@cloudscape-design/components/toggle';
import type { LogEvent, LogStream } from '../../api/types.js';
import { usePortal } from '../../app/context.js';
import { formatTime } from '../../lib/format.js';
import type { StringKey } from '../../i18n/index.js';
import { NarrowableTable } from '../../components/narrowable-table.js';

const STREAMS_PER_PAGE = 20;
/** The original console's page size for log events. */
const EVENTS_PER_PAGE = 20;
const TAIL_MS = 3000;

export interface ParsedEvent {
  id: string;
  time?: string | number;
  level?: string;
  event?: string;
  text: string;
}

const HIDDEN_FIELDS = new Set(['time', 'level', 'event', 'taskId', 'role']);

/** A log line as time, level, event and the remaining fields ("key=value"), or the raw text when it is not JSON. */
export function parseLogEvent(e: LogEvent, index: number): ParsedEvent {
  const message = e.message ?? '';
  const base = { id: `${e.timestamp}-${index}`, time: e.timestamp ?? undefined };
  if (message.trimStart().startsWith('{')) {
    try {
      const doc = JSON.parse(message) as Record<string, unknown>;
      const fields = Object.entries(doc)
        .filter(([k]) => !HIDDEN_FIELDS.has(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      return {
        ...base,
        time: typeof doc.time === 'string' ? doc.time : base.time,
        level: typeof doc.level === 'string' ? doc.level : undefined,
        event: typeof doc.event === 'string' ? doc.event : undefined,
        text: fields.join('  '),
      };
    } catch {
      /* not JSON after all */
    }
  }
  return { ...base, text: message };
}

const LEVEL: Record<string, StatusIndicatorProps.Type> = {
  error: 'error',
  warn: 'warning',
  info: 'info',
  debug: 'stopped',
};
/** A level in the console's words (the log's own word where it is none of these). */
const LEVEL_TEXT: Record<string, StringKey> = {
  error: 'levelError',
  warn: 'levelWarn',
  info: 'levelInfo',
  debug: 'levelDebug',
};

function Events({ group, stream, onBack }: { group: string; stream: string; onBack: () => void }) {
  const { ops, t, lang } = usePortal();
  const [events, setEvents] = useState<LogEvent[]>([]);
  const [older, setOlder] = useState<string>();
  const [newer, setNewer] = useState<string>();
  const [noOlder, setNoOlder] = useState(false);
  const [noNewer, setNoNewer] = useState(false);
  const [tail, setTail] = useState(false);
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState<string>();
  const newerRef = useRef<string | undefined>(undefined);
  newerRef.current = newer;

  useEffect(() => {
    let live = true;
    ops
      .getLogEvents(group, stream, EVENTS_PER_PAGE)
      .then(
        (page) => {
          if (!live) return;
          setEvents(page.logEvents);
          setOlder(page.nextBackwardToken ?? undefined);
          setNewer(page.nextForwardToken ?? undefined);
          setNoOlder(!page.nextBackwardToken || page.logEvents.length < EVENTS_PER_PAGE);
        },
        (e: Error) => setError(e.message),
      )
      .finally(() => setBusy(false));
    return () => {
      live = false;
    };
  }, [ops, group, stream]);

  const loadOlder = async () => {
    setBusy(true);
    try {
      const page = await ops.getLogEvents(group, stream, EVENTS_PER_PAGE, older);
      setEvents((all) => [...page.logEvents, ...all]);
      setNoOlder(page.logEvents.length === 0 || page.nextBackwardToken === older);
      setOlder(page.nextBackwardToken ?? older);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const loadNewer = useCallback(async () => {
    const token = newerRef.current;
    try {
      const page = await ops.getLogEvents(group, stream, EVENTS_PER_PAGE, token);
      setEvents((all) => [...all, ...page.logEvents]);
      setNoNewer(page.logEvents.length === 0);
      if (page.nextForwardToken) setNewer(page.nextForwardToken);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [ops, group, stream]);

  useEffect(() => {
    if (!tail) return;
    const timer = setInterval(() => void loadNewer(), TAIL_MS);
    return () => clearInterval(timer);
  }, [tail, loadNewer]);

  const parsed = events.map(parseLogEvent);
  return (
    <NarrowableTable
      items={parsed}
      trackBy="id"
      loading={busy && events.length === 0}
      loadingText={t('loading')}
      wrapLines
      variant="embedded"
      ariaLabels={{ tableLabel: t('eventsOf', { stream }) }}
      empty={
        <Box textAlign="center" color="inherit">
          {error ? t('logsError', { error }) : t('noEvents')}
        </Box>
      }
      header={
        <Header
          variant="h3"
          counter={`(${events.length})`}
          actions={
            <SpaceBetween direction="horizontal" size="xs" alignItems="center">
              <Toggle checked={tail} onChange={(e) => setTail(e.detail.checked)}>
                {t('tail')}
              </Toggle>
              <Button onClick={onBack} iconName="arrow-left">
                {t('allStreams')}
              </Button>
            </SpaceBetween>
          }
        >
          {t('eventsOf', { stream })}
        </Header>
      }
      filter={
        <SpaceBetween direction="horizontal" size="xs" alignItems="center">
          {noOlder ? (
            <Box variant="small">{t('noOlder')}</Box>
          ) : (
            <Button loading={busy} onClick={() => void loadOlder()}>
              {t('loadOlder')}
            </Button>
          )}
          <Button onClick={() => void loadNewer()} disabled={tail}>
            {t('loadNewer')}
          </Button>
          {noNewer ? <Box variant="small">{t('noNewer')}</Box> : null}
          {error ? <StatusIndicator type="error">{t('logsError', { error })}</StatusIndicator> : null}
        </SpaceBetween>
      }
      columnDefinitions={[
        { id: 'time', header: t('timestamp'), cell: (e) => formatTime(e.time, lang), width: 180 },
        {
          id: 'level',
          header: t('level'),
          cell: (e) =>
            e.level ? (
              <StatusIndicator type={LEVEL[e.level] ?? 'info'}>
                {LEVEL_TEXT[e.level] ? t(LEVEL_TEXT[e.level]) : e.level}
              </StatusIndicator>
            ) : (
              '-'
            ),
          width: 110,
        },
        { id: 'event', header: t('event'), cell: (e) => e.event ?? '-', width: 200 },
        {
          id: 'message',
          header: t('message'),
          cell: (e) => (
            <Box variant="code" fontSize="body-s">
              {e.text}
            </Box>
          ),
        },
      ]}
    />
  );
}

export function LogBrowser({ group }: { group: string }) {
  const { ops, t, lang } = usePortal();
  const [prefix, setPrefix] = useState('');
  const [typed, setTyped] = useState('');
  const [page, setPage] = useState(1);
  const [streams, setStreams] = useState<LogStream[]>([]);
  const [total, setTotal] = useState(0);
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<string>();

  const load = useCallback(async () => {
    setBusy(true);
    try {
      const r = await ops.listLogStreams(group, prefix, page, STREAMS_PER_PAGE);
      setStreams(r.logStreams);
      setTotal(r.total);
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }, [ops, group, prefix, page]);
  useEffect(() => {
    void load();
  }, [load]);
  // The prefix is searched on the server: wait until typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => {
      setPage(1);
      setPrefix(typed.trim());
    }, 400);
    return () => clearTimeout(timer);
  }, [typed]);

  if (open) return <Events group={group} stream={open} onBack={() => setOpen(undefined)} />;
  return (
    <Table
      items={streams}
      trackBy="logStreamName"
      loading={busy && streams.length === 0}
      loadingText={t('loading')}
      variant="embedded"
      ariaLabels={{ tableLabel: t('logStreams') }}
      empty={
        <Box textAlign="center" color="inherit">
          {error ? t('logsError', { error }) : t('noStreams')}
        </Box>
      }
      header={
        <Header
          variant="h3"
          counter={`(${total})`}
          actions={<Button iconName="refresh" ariaLabel={t('refresh')} onClick={() => void load()} />}
        >
          {t('logStreams')}
        </Header>
      }
      filter={
        <TextFilter
          filteringText={typed}
          onChange={(e) => setTyped(e.detail.filteringText)}
          filteringPlaceholder={t('logStreamFilter')}
          filteringAriaLabel={t('logStreamFilter')}
          filteringClearAriaLabel={t('clearFilter')}
        />
      }
      pagination={
        <Pagination
          currentPageIndex={page}
          pagesCount={Math.max(1, Math.ceil(total / STREAMS_PER_PAGE))}
          onChange={(e) => setPage(e.detail.currentPageIndex)}
        />
      }
      columnDefinitions={[
        {
          id: 'name',
          header: t('logStream'),
          cell: (s) => (
            <Button variant="inline-link" onClick={() => setOpen(s.logStreamName)}>
              {s.logStreamName}
            </Button>
          ),
          isRowHeader: true,
        },
        { id: 'created', header: t('creationTime'), cell: (s) => formatTime(s.creationTime, lang) },
        { id: 'last', header: t('lastEventTime'), cell: (s) => formatTime(s.lastEventTimestamp, lang) },
      ]}
    />
  );
}
