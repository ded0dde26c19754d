/**
 * A Table that becomes Cards at phone width, as the task list does: the row-header column heads each card and the
 * other columns are its sections. At 390 px the task page's tables squeezed their columns to slivers ("Err|or",
 * a message pushed off-screen).
 */
import Cards from '@cloudscape-design/components/cards';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { useNarrow } from './use-narrow.js';

export function NarrowableTable<T>(props: TableProps<T>) {
  const narrow = useNarrow();
  if (!narrow) return <Table {...props} />;
  const columns = props.columnDefinitions;
  const head = columns.find((c) => c.isRowHeader) ?? columns[0];
  return (
    <Cards
      items={props.items}
      trackBy={props.trackBy}
      loading={props.loading}
      loadingText={props.loadingText}
      empty={props.empty}
      header={props.header}
      filter={props.filter}
      pagination={props.pagination}
      ariaLabels={{
        cardsLabel: props.ariaLabels?.tableLabel,
        // No selection on these: the labels Cards asks for are never read.
        itemSelectionLabel: () => '',
        selectionGroupLabel: '',
      }}
      cardDefinition={{
        header: (item) => head.cell(item),
        sections: columns
          .filter((c) => c !== head)
          .map((c) => ({ id: c.id, header: c.header, content: (item: T) => c.cell(item) })),
      }}
    />
  );
}
