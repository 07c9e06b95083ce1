// Shapes resolvers return where they are not domain rows: references to other subgraphs' entities.
export interface EntityRef {
  id: string;
}
export interface ReceiptView {
  userId: string;
  status: 'SENT' | 'DELIVERED' | 'READ';
}
