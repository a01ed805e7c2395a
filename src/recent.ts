/**
 * A bounded memo of recent answers: past `max` entries the oldest one goes
 * (a Map keeps insertion order). For the per-request caches whose keys come
 * partly from clients (tokens, phone numbers, webhook URLs), so a flood of new
 * keys cannot grow them.
 */
export class Recent<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super()
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.max) {
      const oldest = this.keys().next()
      if (!oldest.done) this.delete(oldest.value)
    }
    return super.set(key, value)
  }
}
