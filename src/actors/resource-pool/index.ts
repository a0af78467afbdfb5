export { ResourcePool, type CapacityListener, type PoolNotice, type PoolOp, type PoolOpAnswer, type ReserveRequest } from "./resource-pool";
export { priorityOf, type Lease, type Notification, type ReserveAnswer } from "./scheduler";
