/** A route the client calls: method, path template and the document's name of its 200 answer. */
export interface Route {
  method: "GET" | "PUT" | "POST" | "DELETE";
  path: string;
  response: string | null;
}

/** routes maps each client method to its route; every method sends its request through this table. */
export const routes = {
  putItem: { method: "PUT", path: "/v1/items/{id}", response: "Item" },
  getItem: { method: "GET", path: "/v1/items/{id}", response: "Item" },
  deleteItem: { method: "DELETE", path: "/v1/items/{id}", response: null },
  listItems: { method: "GET", path: "/v1/items", response: "ItemPage" },
  putItems: { method: "POST", path: "/v1/items", response: "BatchResult" },
  putUser: { method: "PUT", path: "/v1/users/{id}", response: "User" },
  getUser: { method: "GET", path: "/v1/users/{id}", response: "User" },
  deleteUser: { method: "DELETE", path: "/v1/users/{id}", response: null },
  userEvents: { method: "GET", path: "/v1/users/{id}/events", response: "EventPage" },
  addEvents: { method: "POST", path: "/v1/events", response: "EventResult" },
  recommend: { method: "GET", path: "/v1/users/{id}/recommendations", response: "Recommendations" },
  recommendFor: { method: "POST", path: "/v1/recommendations", response: "Recommendations" },
  similar: { method: "GET", path: "/v1/items/{id}/similar", response: "Recommendations" },
  popular: { method: "GET", path: "/v1/popular", response: "Recommendations" },
  trending: { method: "GET", path: "/v1/trending", response: "Recommendations" },
  query: { method: "POST", path: "/v1/query", response: "QueryResponse" },
  spaces: { method: "GET", path: "/v1/spaces", response: "SpaceList" },
  train: { method: "POST", path: "/v1/admin/train", response: "Model" },
  models: { method: "GET", path: "/v1/admin/models", response: "ModelList" },
} as const satisfies Record<string, Route>;

export type Method = keyof typeof routes;
