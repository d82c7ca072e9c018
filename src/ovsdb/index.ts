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
export {JsonSplitter} from './framing.js'
export {Monitor, type MonitorEvents, type MonitorMethod, type MonitorOptions, type MonitorRequests, type MonitorSelect, type MonitorTableRequest} from './monitor.js'
export {formatRemote, parseRemote, parseRemotes, type Remote} from './remote.js'
export {type ChangeKind, Replica, ReplicaTable, type RowChange} from './replica.js'
export {type Atom, type AtomicType, type BaseType, type ColumnSchema, type ColumnType, type DatabaseSchema, parseSchema, type TableSchema} from './schema.js'
export {Transaction, TransactionResult} from './transaction.js'
export {type TlsFiles} from './transport.js'
