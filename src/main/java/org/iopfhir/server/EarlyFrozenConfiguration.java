package org.iopfhir.server;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.Ordered;
import org.springframework.core.PriorityOrdered;

/**
 * Marks the bean definitions final as soon as every bean factory post-processor has run, so that Spring
 * answers "which beans are of type X" from its cache while it creates the beans, instead of testing all
 * 2,000-odd bean definitions at every injection point.
 *
 * <p>Spring freezes the configuration only when it instantiates the remaining singletons, after the web
 * server is created. Creating the web server creates the servlets and filters, and with them the FHIR
 * endpoint, its providers and HAPI's 140-odd resource DAOs: almost every bean, each lookup uncached
 * (JFR: {@code getBeanNamesForType} under {@code DaoRegistry.init}, a third of the main thread's samples
 * from the schema check to the end of bean creation; about 2 s of a 33-35 s start-up on 2 cores).
 *
 * <p>This is a bean post-processor only to be created at the right moment: Spring creates post-processors
 * after all bean factory post-processors have run and it has dropped the merged definitions they may have
 * changed, and this one first of them. From then on nothing changes a definition (Spring itself freezes
 * the same definitions a little later); a definition or singleton registered after this still drops the
 * type cache, as Spring does for a frozen configuration. It processes no bean.
 */
final class EarlyFrozenConfiguration implements BeanPostProcessor, BeanFactoryAware, PriorityOrdered {

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
            listable.freezeConfiguration();
        }
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
