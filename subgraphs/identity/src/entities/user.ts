// A user account (the columns the ORM maps; identity reads and writes the rest with plain SQL, see ../users.ts
// and ../domain/*). Profiles, roles and sessions hang off it.
import { EntitySchema } from '@mikro-orm/postgresql';

export interface User {
  id: string;
  email: string;
  displayName: string;
  createdAt: Date;
}

export const UserSchema = new EntitySchema<User>({
  name: 'User',
  tableName: 'users',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    email: { type: 'string', length: 254, unique: true },
    displayName: { type: 'string', length: 200, fieldName: 'display_name' },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at', defaultRaw: 'now()' },
  },
});
