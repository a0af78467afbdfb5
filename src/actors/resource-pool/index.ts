export { ResourcePool, type CapacityListener, type ReserveRequest } from "./resource-pool";
export { priorityOf, type Lease, type Notification, type ReserveAnswer } from "./scheduler";
