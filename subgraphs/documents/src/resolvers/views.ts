// What resolvers hand to entity types this subgraph only extends.
export interface UserRef {
  id: string;
}
export interface AppointmentRef {
  id: string;
}
