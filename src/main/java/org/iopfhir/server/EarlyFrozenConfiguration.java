package org.iopfhir.server;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Marks the bean definitions final once they are post-processed, so that Spring answers "which beans
 * are of type X" from its cache while it creates the beans, instead of testing all 2,000-odd bean
 * definitions on every injection point.
 *
 * <p>Spring freezes the configuration only when it instantiates the remaining singletons, after the
 * web server is created. Creating the web server creates the servlets and filters, and with them the
 * FHIR endpoint, its providers and HAPI's 140-odd resource DAOs: almost every bean, each lookup
 * uncached. Measured on 2 cores, that was 6-7 s of a 35-40 s start-up (JFR: {@code getBeanNamesForType}
 * under {@code DaoRegistry.init}).
 *
 * <p>Freezing earlier changes nothing else: Spring clears its merged definitions and type cache once
 * all post-processors have run (they may still change definitions until then), and drops the type
 * cache again whenever a bean definition or singleton is registered later.
 */
final class EarlyFrozenConfiguration implements BeanFactoryPostProcessor {

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        beanFactory.freezeConfiguration();
    }
}
