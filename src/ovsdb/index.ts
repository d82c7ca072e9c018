/**
 * The public API of the OVSDB client library (package entry `ovn-vif-ctl/ovsdb`). Everything
 * else in this directory is internal: the wire framing, the replica's update path, how the
 * client drives monitors and sends transactions.
 */
export {type ClientEvents, type ConnectOptions, OvsdbClient, type ReconnectOptions, type RestoreFailure} from './client.js'
export {
  type Condition,
  type ConditionFunction,
  decodeValue,
  encodeValue,
  mapDelete,
  mapInsert,
  type Mutation,
  type Mutator,
  NamedUuid,
  type Row,
  type RowBase,
  setDelete,
  setInsert,
  ZERO_UUID,
} from './datum.js'
export {
  ConnectionError,
  ConstraintViolation,
  DatumError,
  FramingError,
  NotLeaderError,
  OvsdbError,
  ReferentialIntegrityViolation,
  RemoteSyntaxError,
  RpcError,
  SchemaError,
  TimeoutError,
  TransactionError,
} from './errors.js'
export type {Monitor, MonitorEvents, MonitorMethod, MonitorOptions, MonitorRequests, MonitorSelect, MonitorTableRequest} from './monitor.js'
export {formatRemote, parseRemote, parseRemotes, type Remote} from './remote.js'
export type {ChangeKind, ColumnName, Replica, ReplicaTable, RowChange, TableName, Tables, UntypedTables} from './replica.js'
export {type Atom, type AtomicType, type BaseType, type ColumnSchema, type ColumnType, type DatabaseSchema, parseSchema, type TableSchema} from './schema.js'
export type {Transaction, TransactionResult} from './transaction.js'
export type {TlsFiles} from './transport.js'
