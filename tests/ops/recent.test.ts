import { expect, test } from 'bun:test'
import { Recent } from '../../src/recent'

test('past its size the oldest entry goes; updating a kept key drops nothing', () => {
  const recent = new Recent<string, number>(2)
  recent.set('a', 1)
  recent.set('b', 2)
  recent.set('b', 3)
  expect([...recent]).toEqual([
    ['a', 1],
    ['b', 3],
  ])
  recent.set('c', 4)
  expect([...recent.keys()]).toEqual(['b', 'c'])
  expect(recent.size).toBe(2)
})
