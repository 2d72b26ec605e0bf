/** A client's WebSocket message read as a JSON object; `undefined` when it is not one (each venue answers with its own error). */
export function objectMessage(raw: unknown): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(String(raw));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
