// The gRPC services targets call one another by, and their contracts. A new
// service is one entry here and a row in the table of targets: the clients,
// the gateway's routes and its readiness follow from this list.
import { DiscoveryService } from "../../gen/chirp/discovery/v1/discovery_pb.js";
import { NotificationService } from "../../gen/chirp/notification/v1/notification_pb.js";
import { SearchService } from "../../gen/chirp/search/v1/search_pb.js";
import { GraphService } from "../../gen/chirp/graph/v1/graph_pb.js";
import { TimelineService } from "../../gen/chirp/timeline/v1/timeline_pb.js";
import { TweetService } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { UserService } from "../../gen/chirp/user/v1/user_pb.js";

export const SERVICES = {
  user: UserService,
  graph: GraphService,
  tweet: TweetService,
  timeline: TimelineService,
  discovery: DiscoveryService,
  notification: NotificationService,
  search: SearchService,
} as const;
