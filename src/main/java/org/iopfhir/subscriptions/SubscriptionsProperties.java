package org.iopfhir.subscriptions;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code iop.subscriptions.*} settings.
 *
 * @param allowLoopbackEndpoints whether rest-hook endpoints may be on this machine (loopback addresses): for
 *                               tests and a developer's receiver only; private networks are always allowed,
 *                               loopback, link-local (cloud metadata) and wildcard addresses are refused otherwise
 * @param submissionInterval     how often stored changes are handed to matching: HAPI first records each change
 *                               in the database (so none is lost if the server stops) and a scheduled job submits
 *                               them; this is the main part of a notification's latency (HAPI's default is 5s)
 */
@ConfigurationProperties("iop.subscriptions")
public record SubscriptionsProperties(
        @DefaultValue("false") boolean allowLoopbackEndpoints,
        @DefaultValue("1s") Duration submissionInterval) {
}
