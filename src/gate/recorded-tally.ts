import { FAILING_ITEMS_KEPT, ItemTally, type TallyCoverage } from '../analysis/item-tally.js';
import type { ItemRecord } from '../evals-api/run-types.js';
import type { RecordItem } from '../history/record-format.js';
import { RecordItems } from '../history/record-items.js';

/**
 * A tally of the gate's own run that also collects its items in the results record's compact form,
 * so the record later runs compare with holds exactly the items the verdict was drawn from. Each
 * record item is the tally's key for that item too: one object an item, not two.
 */
export class RecordedTally extends ItemTally {
  readonly recorded = new RecordItems();

  constructor(coverage: TallyCoverage = 'all') {
    super(FAILING_ITEMS_KEPT, coverage);
  }

  protected override keyOf(record: ItemRecord): RecordItem {
    return this.recorded.add(record);
  }
}
