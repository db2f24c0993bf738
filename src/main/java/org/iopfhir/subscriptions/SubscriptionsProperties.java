package org.iopfhir.subscriptions;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code iop.subscriptions.*} settings.
 *
 * @param allowLoopbackEndpoints whether rest-hook endpoints may be on this machine (loopback addresses): for
 *                               tests and a developer's receiver only; private networks are always allowed,
 *                               loopback, link-local (cloud metadata) and wildcard addresses are refused otherwise
 */
@ConfigurationProperties("iop.subscriptions")
public record SubscriptionsProperties(@DefaultValue("false") boolean allowLoopbackEndpoints) {
}
