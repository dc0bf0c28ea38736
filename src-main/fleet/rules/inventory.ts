/**
 * Facts the inventory states but that cannot be read (inventory-rows.ts): the device stays in
 * scope, and this says "cannot tell" so it is never counted as compatible on a guess.
 */
import { defineRule } from './rule.js';
import { nextStep } from '../../next-steps.js';

export const inventoryFacts = defineRule({
  id: 'inventory-facts',
  title: 'Inventory facts that cannot be read',
  applies: () => true,
  reasons: {
    FACTS_UNREADABLE: {
      severity: 'warning',
      sentence: (p) =>
        `The inventory states ${p.fields} for this device, but it cannot be read (${p.detail}); those facts are unknown, so cannot tell.`,
      fix: () => nextStep('FIX_INVENTORY_ROW'),
    },
  },
  check(_n, f, emit) {
    if (!f.unreadable?.length) return;
    emit('FACTS_UNREADABLE', {
      fields: f.unreadable.map((u) => u.field).join(', '),
      detail: f.unreadable.map((u) => u.message).join('; '),
    });
  },
});
