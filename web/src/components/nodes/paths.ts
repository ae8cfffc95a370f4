// The API reads behind the node and instance pages, shared by the server render and live refresh.
export const instanceTasksPath = (id: string) =>
  `/api/v1/tasks?subject_type=node_instance&subject_id=${encodeURIComponent(id)}&limit=50`;
export const instanceEventsPath = (id: string) => `/api/v1/events?node_instance_id=${encodeURIComponent(id)}&limit=50`;
export const nodeInstancesPath = (id: string) => `/api/v1/node_instances?node_id=${encodeURIComponent(id)}`;
