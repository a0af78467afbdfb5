export { ResourcePool } from "./resource-pool";
