/**
 * @grade-ledger/people: personal data beside the ledger. Each person's record (name, ИИН,
 * birth date, contacts, family links) is encrypted under the person's own key; forgetting
 * destroys the key; every read of personal data is authorized, guarded and recorded.
 */
export * from './record';
export * from './seal';
export * from './keyStore';
export * from './recordStore';
export * from './pseudonym';
export * from './people';
export * from './postgresKeyStore';
