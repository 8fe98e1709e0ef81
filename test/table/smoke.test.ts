import { expect, it } from 'vitest';
import { MULTI_USER_KINDS } from '../../src/table/types.ts';

it('has kinds', () => {
  expect(MULTI_USER_KINDS).toContain('cgnat');
});
