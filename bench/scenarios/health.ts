import type { Scenario } from '../lib'

export const health: Scenario = {
  name: 'health',
  async run() {
    return []
  },
}
