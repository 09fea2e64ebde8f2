// Placeholder created by the infrastructure work so the stack synthesizes; replace with the real handler.
export const handler = async () => ({});
